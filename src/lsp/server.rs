//! The server's state and message handling: open documents, workspace roots, analysis, and the
//! diagnostics, hovers and code actions derived from it.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, HoverRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeParams, MarkupContent, MarkupKind,
    PositionEncodingKind, PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextEdit, WorkspaceEdit,
};

use super::convert::{self, Encoding};
use crate::config::Configs;
use crate::diagnostics::Diagnostic;
use crate::engine::{self, Engine, Options, TreeCache};
use crate::lang::{InputEdit, Point};
use crate::project::discover::Role;
use crate::rules::Registry;
use crate::source::{SkipReason, SourceFile, DEFAULT_MAX_FILE_BYTES};

pub struct Server {
    connection: Connection,
    engine: &'static Engine,
    registry: &'static Registry,
    encoding: Encoding,
    /// Every relevant file of each project root, as paths (walked once, refreshed when files
    /// change).
    files: HashMap<PathBuf, Vec<PathBuf>>,
    /// Open buffers: their text is what is analysed, saved or not.
    open: HashMap<PathBuf, String>,
    /// What was last published per file, for hovers and code actions.
    published: HashMap<PathBuf, Vec<Diagnostic>>,
    /// The last syntax tree of each open file, kept in step with edits for incremental parsing.
    trees: Arc<TreeCache>,
    /// The URI the client used for each (canonical) path: diagnostics go back under it, so a
    /// client comparing URI strings finds them even through symlinks or other percent-encodings.
    client_uris: HashMap<PathBuf, lsp_types::Uri>,
    /// `shutdown` was answered: requests other than `exit` are refused from now on.
    shut_down: bool,
}

/// One engine per process: its queries compile once, however many sessions (tests, fuzzing)
/// the process serves.
fn shared_engine(registry: &'static Registry) -> &'static Engine {
    static ENGINE: std::sync::OnceLock<Engine> = std::sync::OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(registry))
}

/// A path with symlinks resolved (the folder's, when the file does not exist yet): editors may
/// name the same file through a symlinked root, and projects are matched by path prefix.
fn canonical(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent().and_then(|d| d.canonicalize().ok()), path.file_name()) {
        (Some(dir), Some(name)) => dir.join(name),
        _ => path.to_path_buf(),
    }
}

/// The `initialize` request, answering other requests with `ServerNotInitialized` and ignoring
/// notifications and responses (lsp-server's `initialize_start` ends the session on a response
/// or an early `exit`). `None` when the client leaves first.
fn wait_for_initialize(connection: &Connection) -> Option<(RequestId, serde_json::Value)> {
    loop {
        match connection.receiver.recv().ok()? {
            Message::Request(r) if r.method == "initialize" => return Some((r.id, r.params)),
            Message::Request(r) => {
                let code = lsp_server::ErrorCode::ServerNotInitialized as i32;
                let message = format!("{} before initialize", r.method);
                let _ = connection.sender.send(Message::Response(Response::new_err(r.id, code, message)));
            }
            Message::Notification(n) if n.method == "exit" => return None,
            Message::Notification(_) | Message::Response(_) => {}
        }
    }
}

impl Server {
    pub fn run(connection: Connection) -> anyhow::Result<()> {
        let Some((id, params)) = wait_for_initialize(&connection) else { return Ok(()) };
        let init: InitializeParams = serde_json::from_value(params).unwrap_or_default();
        let utf8 = init
            .capabilities
            .general
            .as_ref()
            .and_then(|g| g.position_encodings.as_ref())
            .is_some_and(|e| e.contains(&PositionEncodingKind::UTF8));
        let encoding = if utf8 { Encoding::Utf8 } else { Encoding::Utf16 };
        let capabilities = ServerCapabilities {
            position_encoding: Some(if utf8 { PositionEncodingKind::UTF8 } else { PositionEncodingKind::UTF16 }),
            text_document_sync: Some(TextDocumentSyncCapability::Options(TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(lsp_types::TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            })),
            hover_provider: Some(HoverProviderCapability::Simple(true)),
            code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
            ..ServerCapabilities::default()
        };
        let result = serde_json::json!({
            "capabilities": capabilities,
            "serverInfo": { "name": "bglint", "version": env!("CARGO_PKG_VERSION") },
        });
        // Not `initialize_finish`, which ends the session when the next message is anything but
        // `initialized`: the main loop takes whatever comes.
        let _ = connection.sender.send(Message::Response(Response::new_ok(id, result)));
        // Workspace folders are not needed: each buffer's project is found from its own path.
        let registry = Registry::builtin()?;
        let mut server = Server {
            connection,
            engine: shared_engine(registry),
            registry,
            encoding,
            files: HashMap::new(),
            open: HashMap::new(),
            published: HashMap::new(),
            trees: Arc::new(TreeCache::default()),
            client_uris: HashMap::new(),
            shut_down: false,
        };
        server.main_loop()
    }

    fn main_loop(&mut self) -> anyhow::Result<()> {
        while let Ok(message) = self.connection.receiver.recv() {
            match message {
                Message::Request(request) => {
                    if self.shut_down {
                        let code = lsp_server::ErrorCode::InvalidRequest as i32;
                        let message = "the server is shut down".to_string();
                        let _ = self
                            .connection
                            .sender
                            .send(Message::Response(Response::new_err(request.id, code, message)));
                    } else if request.method == "shutdown" {
                        self.shut_down = true;
                        self.respond(request.id, serde_json::Value::Null);
                    } else {
                        self.on_request(request);
                    }
                }
                Message::Notification(notification) => {
                    if notification.method == "exit" {
                        return Ok(());
                    }
                    if !self.shut_down {
                        self.on_notification(notification);
                    }
                }
                Message::Response(_) => {}
            }
        }
        Ok(())
    }

    fn respond(&self, id: RequestId, result: serde_json::Value) {
        let _ = self.connection.sender.send(Message::Response(Response::new_ok(id, result)));
    }

    fn on_request(&mut self, request: Request) {
        let id = request.id.clone();
        match request.method.as_str() {
            HoverRequest::METHOD => match serde_json::from_value::<HoverParams>(request.params) {
                Ok(params) => {
                    let hover = self.hover(&params);
                    self.respond(id, serde_json::to_value(hover).unwrap_or_default());
                }
                Err(e) => self.invalid(id, e),
            },
            CodeActionRequest::METHOD => match serde_json::from_value::<CodeActionParams>(request.params) {
                Ok(params) => {
                    let actions = self.code_actions(&params);
                    self.respond(id, serde_json::to_value(actions).unwrap_or_default());
                }
                Err(e) => self.invalid(id, e),
            },
            _ => {
                let code = lsp_server::ErrorCode::MethodNotFound as i32;
                let message = format!("bglint does not handle {}", request.method);
                let _ = self.connection.sender.send(Message::Response(Response::new_err(id, code, message)));
            }
        }
    }

    fn invalid(&self, id: RequestId, e: serde_json::Error) {
        eprintln!("bglint lsp: malformed request: {e}");
        let code = lsp_server::ErrorCode::InvalidParams as i32;
        let _ = self.connection.sender.send(Message::Response(Response::new_err(id, code, e.to_string())));
    }

    fn on_notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let params = notification.params;
        let changed: Option<PathBuf> = match method.as_str() {
            DidOpenTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidOpenTextDocumentParams>(params).ok().and_then(|p| {
                    let path = self.path_of(&p.text_document.uri)?;
                    self.open.insert(path.clone(), p.text_document.text);
                    self.trees.forget(&path);
                    Some(path)
                })
            }
            DidChangeTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidChangeTextDocumentParams>(params).ok().and_then(|p| {
                    let path = self.path_of(&p.text_document.uri)?;
                    let text = self.open.entry(path.clone()).or_default();
                    for change in p.content_changes {
                        match change.range {
                            Some(range) => {
                                let start = convert::offset(text, range.start, self.encoding);
                                let end = convert::offset(text, range.end, self.encoding).max(start);
                                let edit = input_edit(text, start, end, &change.text);
                                text.replace_range(start..end, &change.text);
                                self.trees.edit(&path, &edit);
                            }
                            None => {
                                *text = change.text;
                                self.trees.forget(&path);
                            }
                        }
                    }
                    Some(path)
                })
            }
            DidSaveTextDocument::METHOD => {
                serde_json::from_value::<lsp_types::DidSaveTextDocumentParams>(params).ok().and_then(|p| {
                    let path = self.path_of(&p.text_document.uri)?;
                    if let Some(text) = p.text {
                        if self.open.get(&path) != Some(&text) {
                            self.trees.forget(&path);
                        }
                        self.open.insert(path.clone(), text);
                    }
                    // A saved file may be new to the walk.
                    self.files.clear();
                    Some(path)
                })
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<lsp_types::DidCloseTextDocumentParams>(params) {
                    if let Some(path) = self.path_of(&p.text_document.uri) {
                        self.open.remove(&path);
                        self.trees.forget(&path);
                        self.published.remove(&path);
                        self.publish(&path, Vec::new());
                    }
                }
                None
            }
            DidChangeWatchedFiles::METHOD => {
                self.files.clear();
                None
            }
            _ => None,
        };
        if let Some(path) = changed {
            self.analyze(&path);
        }
    }

    /// Re-checks after `changed` changed, and publishes the result.
    fn analyze(&mut self, changed: &Path) {
        let open: Vec<PathBuf> = self.open.keys().cloned().collect();
        let (root, all) = scope_files(changed, &open, &mut self.files, &mut |root| {
            crate::walk::collect(std::slice::from_ref(&root.to_path_buf()), 0, engine::is_relevant)
                .into_iter()
                .map(|w| w.path().to_path_buf())
                .collect()
        });
        // A project file (or bglint.toml) can change any finding in the project.
        let name = changed.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let whole_project = Role::of(changed).is_some() || name == crate::config::FILE_NAME;
        let only = (!whole_project).then(|| Arc::new(HashSet::from([changed.to_path_buf()])));
        let open = &self.open;
        let load_source = |path: &Path| match open.get(path) {
            // The bounds and guards of a file on disk apply to a buffer too.
            Some(text) if text.len() as u64 > DEFAULT_MAX_FILE_BYTES => {
                Err(SkipReason::TooLarge { bytes: text.len() as u64, limit: DEFAULT_MAX_FILE_BYTES })
            }
            Some(text) => SourceFile::from_bytes(path, text.as_bytes().to_vec()),
            None => SourceFile::load(path, DEFAULT_MAX_FILE_BYTES),
        };
        let load_bytes = |path: &Path| -> Result<Vec<u8>, String> {
            match open.get(path) {
                Some(text) => Ok(text.as_bytes().to_vec()),
                None => std::fs::read(path).map_err(|e| e.to_string()),
            }
        };
        let metas: Vec<&crate::rules::meta::RuleMeta> = self.registry.rules.iter().map(|r| r.meta()).collect();
        let mut configs = Configs::new(&metas);
        // Test code follows `include-tests` of the buffer's nearest bglint.toml, as on the command line.
        let include_tests = configs.for_file(changed).ok().flatten().and_then(|c| c.include_tests).unwrap_or(false);
        let options =
            Options { threads: 1, only, trees: Some(self.trees.clone()), include_tests, ..Options::default() };
        let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.engine.check_with_loaders(&all, &load_source, &load_bytes, &options)
        }));
        let mut result = match checked {
            Ok(Ok(result)) => result,
            Ok(Err(e)) => {
                eprintln!("bglint lsp: analysis of {} failed: {e:#}", changed.display());
                return;
            }
            Err(_) => {
                eprintln!("bglint lsp: analysis of {} panicked; the server goes on", changed.display());
                return;
            }
        };
        if let Err(e) = configs.filter(&mut result, None) {
            eprintln!("bglint lsp: {e}");
        }
        // Publish for the changed file, and after a project-wide check for every open file and
        // every file with a finding.
        let mut by_file: HashMap<PathBuf, Vec<Diagnostic>> = HashMap::new();
        for d in result.diagnostics {
            by_file.entry(d.path.clone()).or_default().push(d);
        }
        let mut targets: Vec<PathBuf> = vec![changed.to_path_buf()];
        if let (true, Some(root)) = (whole_project, &root) {
            targets.extend(self.open.keys().filter(|p| p.starts_with(root)).cloned());
            targets.extend(by_file.keys().cloned());
            targets.extend(self.published.keys().filter(|p| p.starts_with(root)).cloned());
        }
        targets.sort();
        targets.dedup();
        for target in targets {
            let diagnostics = by_file.remove(&target).unwrap_or_default();
            self.publish(&target, diagnostics);
        }
    }

    /// The canonical path of a client URI, remembering the URI to answer under.
    fn path_of(&mut self, uri: &lsp_types::Uri) -> Option<PathBuf> {
        let path = canonical(&convert::path(uri)?);
        self.client_uris.entry(path.clone()).or_insert_with(|| uri.clone());
        Some(path)
    }

    fn publish(&mut self, path: &Path, diagnostics: Vec<Diagnostic>) {
        let Some(uri) = self.client_uris.get(path).cloned().or_else(|| convert::uri(path)) else { return };
        let mut positions = convert::Positions::new(self.encoding);
        let lsp: Vec<lsp_types::Diagnostic> = diagnostics.iter().map(|d| positions.diagnostic(d)).collect();
        self.published.insert(path.to_path_buf(), diagnostics);
        let params = PublishDiagnosticsParams { uri, diagnostics: lsp, version: None };
        let notification = Notification::new(PublishDiagnostics::METHOD.to_string(), params);
        let _ = self.connection.sender.send(Message::Notification(notification));
    }

    /// Diagnostics of `path` whose range touches the given byte range.
    fn at(&self, path: &Path, start: usize, end: usize) -> Vec<&Diagnostic> {
        self.published
            .get(path)
            .map(|list| list.iter().filter(|d| d.span.start <= end && start <= d.span.end).collect())
            .unwrap_or_default()
    }

    fn text_of(&self, path: &Path) -> Option<String> {
        self.open.get(path).cloned().or_else(|| std::fs::read_to_string(path).ok())
    }

    fn hover(&mut self, params: &HoverParams) -> Option<Hover> {
        let doc = &params.text_document_position_params;
        let path = self.path_of(&doc.text_document.uri)?;
        let text = self.text_of(&path)?;
        let at = convert::offset(&text, doc.position, self.encoding);
        let mut seen = Vec::new();
        let mut markdown = String::new();
        for d in self.at(&path, at, at) {
            if seen.contains(&d.rule) {
                continue;
            }
            seen.push(d.rule);
            if let Some(rule) = self.registry.get(d.rule) {
                if !markdown.is_empty() {
                    markdown.push_str("\n---\n\n");
                }
                markdown.push_str(&rule.meta().render_markdown());
            }
        }
        if markdown.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent { kind: MarkupKind::Markdown, value: markdown }),
            range: None,
        })
    }

    fn code_actions(&mut self, params: &CodeActionParams) -> Vec<CodeActionOrCommand> {
        let Some(path) = self.path_of(&params.text_document.uri) else { return Vec::new() };
        let Some(text) = self.text_of(&path) else { return Vec::new() };
        let start = convert::offset(&text, params.range.start, self.encoding);
        let end = convert::offset(&text, params.range.end, self.encoding);
        let uri = params.text_document.uri.clone();
        let mut actions = Vec::new();
        let mut positions = convert::Positions::new(self.encoding);
        for d in self.at(&path, start, end) {
            let lsp_diagnostic = positions.diagnostic(d);
            if let Some(fix) = &d.fix {
                let edits = fix
                    .edits
                    .iter()
                    .map(|e| TextEdit { range: positions.range(&text, &e.span), new_text: e.replacement.clone() })
                    .collect();
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: fix.description.clone(),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diagnostic.clone()]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), edits)])),
                        ..Default::default()
                    }),
                    is_preferred: Some(true),
                    ..Default::default()
                }));
            }
            if let Some(edit) = suppression_edit(&path, &text, d, &mut positions) {
                actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                    title: format!("Suppress {} here (bglint-ignore)", d.rule),
                    kind: Some(CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diagnostic]),
                    edit: Some(WorkspaceEdit {
                        changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                        ..Default::default()
                    }),
                    ..Default::default()
                }));
            }
        }
        actions
    }
}

/// The project root of `changed` and the files to analyse with it: the project's files (walked
/// once per root through `walk`, cached in `cache`) plus open buffers inside it. The project is
/// found by looking upward from the buffer, whatever the editor's workspace root; nothing
/// outside it is walked, and a buffer that belongs to no project is analysed alone.
fn scope_files(
    changed: &Path,
    open: &[PathBuf],
    cache: &mut HashMap<PathBuf, Vec<PathBuf>>,
    walk: &mut dyn FnMut(&Path) -> Vec<PathBuf>,
) -> (Option<PathBuf>, Vec<PathBuf>) {
    let Some(root) = crate::project::enclosing::enclosing_root(changed) else {
        return (None, vec![changed.to_path_buf()]);
    };
    let mut all = cache.entry(root.clone()).or_insert_with(|| walk(&root)).clone();
    for path in open.iter().chain([&changed.to_path_buf()]) {
        if path.starts_with(&root) && !all.contains(path) && engine::is_relevant(path) {
            all.push(path.clone());
        }
    }
    (Some(root), all)
}

/// The tree-sitter edit for replacing `start..end` of `text` with `new_text` (positions are
/// rows and byte columns in the text before and after).
fn input_edit(text: &str, start: usize, end: usize, new_text: &str) -> InputEdit {
    let point = |text: &str, at: usize| {
        let row = text[..at].matches('\n').count();
        let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1);
        Point { row, column }
    };
    let start_position = point(text, start);
    let old_end_position = point(text, end);
    let inserted_rows = new_text.matches('\n').count();
    let new_end_position = match new_text.rfind('\n') {
        Some(i) => Point { row: start_position.row + inserted_rows, column: new_text.len() - i - 1 },
        None => Point { row: start_position.row, column: start_position.column + new_text.len() },
    };
    InputEdit {
        start_byte: start,
        old_end_byte: end,
        new_end_byte: start + new_text.len(),
        start_position,
        old_end_position,
        new_end_position,
    }
}

/// A `bglint-ignore` comment on its own line above the finding, indented like it, with a
/// placeholder for the reason; in the comment syntax of the file.
fn suppression_edit(path: &Path, text: &str, d: &Diagnostic, positions: &mut convert::Positions) -> Option<TextEdit> {
    let line_start = text[..d.span.start.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    let indent: String = text[line_start..].chars().take_while(|c| *c == ' ' || *c == '\t').collect();
    let body = format!("bglint-ignore {}: <reason>", d.rule);
    let comment = match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "dart" | "swift" | "kt" | "kts" | "java" | "gradle" => format!("// {body}"),
        "plist" | "xml" | "entitlements" => format!("<!-- {body} -->"),
        "yaml" | "yml" | "toml" => format!("# {body}"),
        _ => return None,
    };
    let at = positions.range(text, &(line_start..line_start)).start;
    Some(TextEdit { range: lsp_types::Range { start: at, end: at }, new_text: format!("{indent}{comment}\n") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_buffer_with_no_project_is_analysed_alone_and_nothing_is_walked() {
        let mut walked: Vec<PathBuf> = Vec::new();
        let mut cache = HashMap::new();
        for buffer in [PathBuf::from("/x.dart"), std::env::temp_dir().join("x.dart")] {
            let (root, files) = scope_files(&buffer, &[], &mut cache, &mut |root| {
                walked.push(root.to_path_buf());
                Vec::new()
            });
            assert_eq!((root, files), (None, vec![buffer.clone()]));
        }
        assert!(walked.is_empty(), "walked {walked:?}");
    }

    #[test]
    fn a_workspace_root_below_the_project_still_walks_the_project_once() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().canonicalize().unwrap().join("app");
        std::fs::create_dir_all(app.join("lib")).unwrap();
        std::fs::create_dir_all(app.join(".git")).unwrap();
        std::fs::write(app.join("pubspec.yaml"), "name: app\n").unwrap();
        let buffer = app.join("lib/a.dart");
        let mut walked: Vec<PathBuf> = Vec::new();
        let mut cache = HashMap::new();
        for _ in 0..2 {
            let (root, files) = scope_files(&buffer, &[], &mut cache, &mut |root| {
                walked.push(root.to_path_buf());
                vec![root.join("pubspec.yaml")]
            });
            assert_eq!(root.as_ref(), Some(&app));
            assert_eq!(files, vec![app.join("pubspec.yaml"), buffer.clone()]);
        }
        assert_eq!(walked, vec![app.clone()], "walked once, the project only");
    }
}
