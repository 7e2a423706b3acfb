//! `bglint lsp`: an editor diagnostic source over the Language Server Protocol (stdio).
//!
//! The server turns generic diagnostics into LSP ones and never names a rule. Open buffers are
//! analysed as they are (unsaved text included) with their project's facts: a change to a code
//! file re-checks that file; a change to Info.plist, a manifest, a Gradle file, pubspec.yaml or
//! bglint.toml re-checks the whole project and every open file in it. A malformed message or a
//! failing analysis is logged (to stderr) and the server goes on.

pub mod convert;
mod server;
pub mod transport;

use lsp_server::Connection;

/// Serves one client on stdin/stdout until it sends `exit`. Frames are read by
/// [`transport::FrameReader`]: bounded in size, and a malformed one is answered, not fatal.
pub fn serve_stdio() -> anyhow::Result<()> {
    let (connection, writer) = transport::stdio();
    let served = serve(connection);
    // The connection is gone: the writer drains what the server sent, then ends. The reader
    // may be blocked on stdin; the process ends without it.
    let _ = writer.join();
    served
}

/// Serves one client on `connection` (stdio, or an in-memory pair in tests).
pub fn serve(connection: Connection) -> anyhow::Result<()> {
    server::Server::run(connection)
}
