//! Reporters turn generic diagnostics into what a person or a tool reads. They never know
//! about specific rules.

pub mod json;
pub mod sarif;
pub mod text;

use std::path::Path;

/// A path as shown to users: relative to the working directory when it is inside it, exactly
/// as its name is on disk (a backslash in a Unix file name stays a backslash). Bytes that are not
/// UTF-8 are written `\xNN` (two hex digits), so a name is never replaced by U+FFFD; SARIF URIs
/// percent-encode those bytes instead (see `shown_bytes`).
pub fn display_path(path: &Path) -> String {
    escape_bytes(&shown_bytes(path))
}

/// The bytes of the shown path: relative to the working directory when inside it, without a
/// leading `./` (on Windows, with `/` separators).
pub(crate) fn shown_bytes(path: &Path) -> Vec<u8> {
    let cwd = std::env::current_dir().ok();
    let shown = cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()).unwrap_or(path);
    let shown = shown.strip_prefix("./").unwrap_or(shown);
    os_bytes(shown)
}

#[cfg(unix)]
pub(crate) fn os_bytes(path: &Path) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    path.as_os_str().as_bytes().to_vec()
}

#[cfg(not(unix))]
pub(crate) fn os_bytes(path: &Path) -> Vec<u8> {
    // Windows names are UTF-16; `\` is a separator there.
    path.to_string_lossy().replace('\\', "/").into_bytes()
}

/// UTF-8 as is; every other byte as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

pub mod checkstyle;
pub(crate) mod fingerprint;
mod frames;
pub mod github;
pub mod gitlab;
pub mod junit;
mod positions;
pub mod xcode;
mod xml;
