//! The language server, driven in memory as an editor would: initialize, open, change, save,
//! diagnostics, hover, code actions, config edits that re-check code, shutdown.

use std::path::Path;
use std::time::{Duration, Instant};

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

struct Client {
    conn: Connection,
    server: Option<std::thread::JoinHandle<anyhow::Result<()>>>,
    next_id: i32,
}

fn uri(path: &Path) -> String {
    bglint::lsp::convert::uri(path).unwrap().as_str().to_string()
}

impl Client {
    fn start(root: &Path) -> Client {
        let (server_side, client_side) = Connection::memory();
        let server = std::thread::spawn(move || bglint::lsp::serve(server_side));
        let mut client = Client { conn: client_side, server: Some(server), next_id: 1 };
        let init = client.request(
            "initialize",
            json!({ "processId": null, "rootUri": uri(root), "capabilities": {},
                    "workspaceFolders": [{ "uri": uri(root), "name": "app" }] }),
        );
        assert_eq!(init["capabilities"]["hoverProvider"], true, "{init}");
        assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
        client.notify("initialized", json!({}));
        client
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.conn.sender.send(Message::Request(Request::new(id.clone(), method.to_string(), params))).unwrap();
        loop {
            match self.conn.receiver.recv_timeout(Duration::from_secs(30)).expect("a response") {
                Message::Response(r) if r.id == id => {
                    return serde_json::to_value(&r).unwrap().get("result").cloned().unwrap_or(Value::Null);
                }
                _ => continue,
            }
        }
    }

    fn notify(&self, method: &str, params: Value) {
        self.conn.sender.send(Message::Notification(Notification::new(method.to_string(), params))).unwrap();
    }

    /// The next diagnostics published for `path`.
    fn diagnostics_for(&self, path: &Path) -> Vec<Value> {
        let want = uri(path);
        loop {
            let message = self.conn.receiver.recv_timeout(Duration::from_secs(30)).expect("diagnostics are published");
            if let Message::Notification(n) = message {
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == want {
                    return n.params["diagnostics"].as_array().unwrap().clone();
                }
            }
        }
    }

    fn open(&self, path: &Path, language: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri(path), "languageId": language, "version": 1, "text": text } }),
        );
    }

    fn shutdown(mut self) {
        assert_eq!(self.request("shutdown", Value::Null), Value::Null);
        self.notify("exit", Value::Null);
        self.server.take().unwrap().join().unwrap().expect("the server ends cleanly");
    }
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics.iter().map(|d| d["code"].as_str().unwrap().to_string()).collect();
    codes.sort();
    codes
}

const PLIST_IDS_ONLY: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n  \
    <key>BGTaskSchedulerPermittedIdentifiers</key>\n  <array><string>com.example.sync</string></array>\n</dict>\n</plist>\n";
const DART: &str = "import 'package:workmanager/workmanager.dart';\n\nFuture<void> schedule() async {\n  \
    await Workmanager().registerPeriodicTask('com.example.sync', 'sync', frequency: const Duration(minutes: 5));\n}\n";

fn flutter_app() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("pubspec.yaml", "name: app\ndependencies:\n  workmanager: ^0.7.0\n"),
        ("ios/Runner/Info.plist", PLIST_IDS_ONLY),
        ("lib/sync.dart", DART),
    ] {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

#[test]
fn open_change_hover_code_action_and_config_edits() {
    let app = flutter_app();
    let root = app.path().canonicalize().unwrap();
    let dart = root.join("lib/sync.dart");
    let plist = root.join("ios/Runner/Info.plist");
    let mut client = Client::start(&root);

    // Open: the per-file rule and the cross-file rule (plist lacks `fetch`) both report.
    client.open(&dart, "dart", DART);
    let diagnostics = client.diagnostics_for(&dart);
    assert_eq!(codes(&diagnostics), ["flutter-periodic-task-under-15-min", "ios-bgtask-background-mode-missing"]);
    let cross = diagnostics.iter().find(|d| d["code"] == "ios-bgtask-background-mode-missing").unwrap();
    assert_eq!(cross["severity"], 1, "error");
    assert_eq!(cross["source"], "bglint");
    assert!(cross["codeDescription"]["href"].as_str().unwrap().ends_with("ios-bgtask-background-mode-missing.md"));
    assert_eq!(cross["relatedInformation"][0]["location"]["uri"], uri(&plist), "the other place is the plist");
    let periodic = diagnostics.iter().find(|d| d["code"] == "flutter-periodic-task-under-15-min").unwrap();
    assert_eq!(periodic["severity"], 2, "warning");

    // An unsaved incremental edit: 5 minutes -> 30 minutes. The warning goes, the error stays.
    let line = 3;
    let col = DART.lines().nth(line).unwrap().find("minutes: 5").unwrap() + "minutes: ".len();
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&dart), "version": 2 }, "contentChanges": [{
            "range": { "start": { "line": line, "character": col }, "end": { "line": line, "character": col + 1 } },
            "text": "30" }] }),
    );
    let diagnostics = client.diagnostics_for(&dart);
    assert_eq!(codes(&diagnostics), ["ios-bgtask-background-mode-missing"]);

    // Hover on the finding shows the rule's explanation.
    let at = diagnostics[0]["range"]["start"].clone();
    let hover = client.request("textDocument/hover", json!({ "textDocument": { "uri": uri(&dart) }, "position": at }));
    let text = hover["contents"]["value"].as_str().unwrap();
    assert!(text.starts_with("# ios-bgtask-background-mode-missing"), "{text}");
    assert!(text.contains("## Why"), "{text}");

    // Code action: suppress with a bglint-ignore comment above the line, indented like it.
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&dart) }, "range": diagnostics[0]["range"], "context": { "diagnostics": [] } }),
    );
    let suppress =
        actions.as_array().unwrap().iter().find(|a| a["title"].as_str().unwrap().starts_with("Suppress")).unwrap();
    let edit = &suppress["edit"]["changes"][uri(&dart)][0];
    assert_eq!(edit["newText"], "  // bglint-ignore ios-bgtask-background-mode-missing: <reason>\n");
    assert_eq!(edit["range"]["start"], json!({ "line": 3, "character": 0 }));

    // Editing the plist (unsaved) to declare `fetch` re-checks the open Dart file.
    client.open(&plist, "xml", PLIST_IDS_ONLY);
    let _ = client.diagnostics_for(&plist);
    let _ = client.diagnostics_for(&dart);
    let with_fetch = PLIST_IDS_ONLY
        .replace("</dict>", "  <key>UIBackgroundModes</key>\n  <array><string>fetch</string></array>\n</dict>");
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&plist), "version": 2 }, "contentChanges": [{ "text": with_fetch }] }),
    );
    let mut dart_diagnostics = None;
    for _ in 0..2 {
        // The plist and the Dart file are both published; order is not specified.
        let message = client.conn.receiver.recv_timeout(Duration::from_secs(30)).unwrap();
        if let Message::Notification(n) = message {
            if n.params["uri"] == uri(&dart) {
                dart_diagnostics = Some(n.params["diagnostics"].as_array().unwrap().clone());
            }
        }
    }
    assert_eq!(dart_diagnostics.expect("the Dart file was re-checked"), Vec::<Value>::new());

    // Removing it again lights the Dart call up without reopening it.
    client.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri(&plist), "version": 3 }, "contentChanges": [{ "text": PLIST_IDS_ONLY }] }),
    );
    assert_eq!(codes(&client.diagnostics_for(&dart)), ["ios-bgtask-background-mode-missing"]);

    // A bglint.toml that ignores the rule, then a change to the Dart file: the finding is gone.
    std::fs::write(root.join("bglint.toml"), "ignore = [\"ios-bgtask-background-mode-missing\"]\n").unwrap();
    client.notify("textDocument/didSave", json!({ "textDocument": { "uri": uri(&dart) } }));
    assert_eq!(client.diagnostics_for(&dart), Vec::<Value>::new());

    client.shutdown();
}

#[test]
fn malformed_messages_and_unknown_requests_do_not_stop_the_server() {
    let app = flutter_app();
    let root = app.path().canonicalize().unwrap();
    let mut client = Client::start(&root);
    client.notify("textDocument/didChange", json!({ "nonsense": true }));
    client.notify("textDocument/didOpen", json!(42));
    let reply = client.request("textDocument/hover", json!({ "bad": "params" }));
    assert_eq!(reply, Value::Null, "an error response, not a crash");
    let _ = client.request("workspace/symbol", json!({ "query": "x" }));
    // A file that is binary garbage as Swift still gets an answer.
    let odd = root.join("lib/odd.swift");
    client.open(&odd, "swift", &"func f() {".repeat(5000));
    let _ = client.diagnostics_for(&odd);
    let dart = root.join("lib/sync.dart");
    client.open(&dart, "dart", DART);
    assert!(!client.diagnostics_for(&dart).is_empty(), "the server still works");
    client.shutdown();
}

/// Latency from a change notification to published diagnostics on a 5,000-line file.
/// A benchmark, not a test: run `cargo test --release --test lsp -- --ignored --nocapture`.
#[test]
#[ignore]
fn bench_change_to_diagnostics_latency() {
    let app = flutter_app();
    let root = app.path().canonicalize().unwrap();
    // Ordinary code (conditions, arithmetic, calls that are not background APIs): 5,000 lines,
    // plus one finding so the prefilter lets the file through and every rule runs on it.
    for (name, lang, line) in [
        ("lib/big.dart", "dart", "  if (items.length > {i}) {\n    total += prices[{i}] * 2;\n    log('item {i}');\n  }\n"),
        ("ios/Runner/Big.swift", "swift", "    if items.count > {i} {\n        total += prices[{i}] * 2\n        log(\"item {i}\")\n    }\n"),
        (
            "android/app/src/main/kotlin/Big.kt",
            "kotlin",
            "        if (items.size > {i}) {\n            total += prices[{i}] * 2\n            log(\"item {i}\")\n        }\n",
        ),
    ] {
        if std::env::var("BGLINT_BENCH_LANG").is_ok_and(|only| only != lang) {
            continue;
        }
        let client = Client::start(&root);
        let path = root.join(name);
        // Each file holds a finding, so the prefilter lets it through and it is parsed and checked.
        let (open, close) = match lang {
            "dart" => (
                "void f() {\n  Workmanager().registerPeriodicTask('a', 'a', frequency: const Duration(minutes: 1));\n",
                "}\n",
            ),
            "swift" => (
                "func sceneDidEnterBackground(_ scene: UIScene) {\n    Timer.scheduledTimer(withTimeInterval: 5, repeats: true) { _ in }\n",
                "}\n",
            ),
            _ => ("fun f() {\n        val r = PeriodicWorkRequestBuilder<W>(5, TimeUnit.MINUTES).build()\n", "}\n"),
        };
        let mut text = String::from(open);
        for i in 0..1250 {
            text.push_str(&line.replace("{i}", &i.to_string()));
        }
        text.push_str(close);
        client.open(&path, lang, &text);
        assert!(!client.diagnostics_for(&path).is_empty(), "{lang}: the file is analysed");
        let mut times = Vec::new();
        for round in 0..30 {
            let started = Instant::now();
            client.notify(
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri(&path), "version": round + 2 }, "contentChanges": [{
                    "range": { "start": { "line": 2500, "character": 0 }, "end": { "line": 2500, "character": 0 } },
                    "text": " " }] }),
            );
            assert!(!client.diagnostics_for(&path).is_empty());
            times.push(started.elapsed());
        }
        times.sort();
        println!(
            "{lang}: {lines}-line file, change -> diagnostics: median {:.1} ms, p90 {:.1} ms, min {:.1} ms",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() * 9 / 10].as_secs_f64() * 1000.0,
            times[0].as_secs_f64() * 1000.0,
            lines = text.lines().count()
        );
        client.shutdown();
    }
}

/// A workspace root reached through a symlink (as on macOS, where /tmp is one): files named by
/// their resolved path still belong to the project, and answers use the client's URIs.
#[test]
fn symlinked_roots_still_join_code_and_config() {
    let app = flutter_app();
    let real = app.path().canonicalize().unwrap();
    let links = tempfile::tempdir().unwrap();
    let link = links.path().join("app-link");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let client = Client::start(&link);
    let dart = real.join("lib/sync.dart");
    client.open(&dart, "dart", DART);
    assert_eq!(
        codes(&client.diagnostics_for(&dart)),
        ["flutter-periodic-task-under-15-min", "ios-bgtask-background-mode-missing"]
    );
    // The plist, named through the link: the Dart file is re-checked and published again.
    let plist = link.join("ios/Runner/Info.plist");
    client.open(&plist, "xml", PLIST_IDS_ONLY);
    assert_eq!(
        codes(&client.diagnostics_for(&dart)),
        ["flutter-periodic-task-under-15-min", "ios-bgtask-background-mode-missing"]
    );
    client.shutdown();
}

/// A rule's safe fix is offered as the preferred quick fix, next to the suppression.
#[test]
fn safe_fixes_are_offered_as_code_actions() {
    let app = flutter_app();
    let root = app.path().canonicalize().unwrap();
    let mut client = Client::start(&root);
    let path = root.join("lib/background.dart");
    let text = "import 'package:workmanager/workmanager.dart';\n\nvoid callbackDispatcher() {\n  Workmanager().executeTask((task, input) async => true);\n}\n\nvoid main() {\n  Workmanager().initialize(callbackDispatcher);\n}\n";
    client.open(&path, "dart", text);
    let diagnostics = client.diagnostics_for(&path);
    let finding =
        diagnostics.iter().find(|d| d["code"] == "dart-background-entrypoint-not-annotated").expect("the rule fires");
    let actions = client.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri(&path) }, "range": finding["range"], "context": { "diagnostics": [] } }),
    );
    let fix = actions
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["isPreferred"] == true)
        .unwrap_or_else(|| panic!("a preferred fix: {actions:#}"));
    assert_eq!(fix["title"], "Annotate the callback with @pragma('vm:entry-point')");
    let edit = &fix["edit"]["changes"][uri(&path)][0];
    assert_eq!(edit["newText"], "@pragma('vm:entry-point')\n");
    assert_eq!(edit["range"]["start"], json!({ "line": 2, "character": 0 }));
    assert!(actions.as_array().unwrap().iter().any(|a| a["title"].as_str().unwrap().starts_with("Suppress")));
    client.shutdown();
}

/// Two workspace folders, and two apps in one of them: each file is checked with its own
/// project's Info.plist, never another's.
#[test]
fn multi_root_workspaces_keep_projects_apart() {
    let first = flutter_app();
    let second = tempfile::tempdir().unwrap();
    let with_fetch = PLIST_IDS_ONLY
        .replace("</dict>", "  <key>UIBackgroundModes</key>\n  <array><string>fetch</string></array>\n</dict>");
    for (name, text) in [
        ("b/pubspec.yaml", "name: b\ndependencies:\n  workmanager: ^0.7.0\n"),
        ("b/ios/Runner/Info.plist", with_fetch.as_str()),
        ("b/lib/sync.dart", DART),
        ("c/pubspec.yaml", "name: c\ndependencies:\n  workmanager: ^0.7.0\n"),
        ("c/ios/Runner/Info.plist", PLIST_IDS_ONLY),
        ("c/lib/sync.dart", DART),
    ] {
        let path = second.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (a, other) = (first.path().canonicalize().unwrap(), second.path().canonicalize().unwrap());
    let (server_side, client_side) = Connection::memory();
    let server = std::thread::spawn(move || bglint::lsp::serve(server_side));
    let mut client = Client { conn: client_side, server: Some(server), next_id: 1 };
    client.request(
        "initialize",
        json!({ "processId": null, "capabilities": {}, "workspaceFolders": [
            { "uri": uri(&a), "name": "a" }, { "uri": uri(&other), "name": "others" } ] }),
    );
    client.notify("initialized", json!({}));
    let missing = "ios-bgtask-background-mode-missing";
    for (path, expect_missing) in
        [(a.join("lib/sync.dart"), true), (other.join("b/lib/sync.dart"), false), (other.join("c/lib/sync.dart"), true)]
    {
        client.open(&path, "dart", DART);
        let got = codes(&client.diagnostics_for(&path));
        assert_eq!(got.contains(&missing.to_string()), expect_missing, "{}: {got:?}", path.display());
    }
    client.shutdown();
}

/// The real `bglint lsp` over pipes, fed crafted bytes; every wait is bounded, so a regression
/// (a hang, an abort) fails the test instead of stalling it.
struct Process {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    replies: std::sync::mpsc::Receiver<Value>,
}

impl Process {
    fn start() -> Process {
        use std::io::BufRead;
        use std::process::{Command, Stdio};
        let mut child = Command::new(env!("CARGO_BIN_EXE_bglint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let (tx, replies) = std::sync::mpsc::channel();
        std::thread::spawn(move || loop {
            // A minimal client-side reader: `Content-Length`, blank line, body.
            let mut length = None;
            loop {
                let mut line = String::new();
                if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some(n) = line.strip_prefix("Content-Length: ") {
                    length = n.parse::<usize>().ok();
                }
            }
            let mut body = vec![0; length.expect("the server frames its replies")];
            std::io::Read::read_exact(&mut stdout, &mut body).unwrap();
            if tx.send(serde_json::from_slice(&body).expect("the server writes JSON")).is_err() {
                return;
            }
        });
        Process { child, stdin, replies }
    }

    fn send_raw(&mut self, bytes: &[u8]) {
        use std::io::Write;
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    fn send(&mut self, message: Value) {
        let body = message.to_string();
        self.send_raw(format!("Content-Length: {}\r\n\r\n{body}", body.len()).as_bytes());
    }

    fn reply(&self) -> Value {
        self.replies.recv_timeout(Duration::from_secs(20)).expect("the server answers within 20 s")
    }

    /// Waits (bounded) for the process to end after stdin is closed.
    fn finish(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not end within 20 s of its input closing");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Peak resident memory so far, in bytes (Linux; `None` elsewhere).
    fn peak_memory(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        Some(line.split_whitespace().nth(1)?.parse::<u64>().ok()? * 1024)
    }
}

fn initialize(process: &mut Process) {
    process.send(json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize",
                         "params": { "processId": null, "rootUri": null, "capabilities": {} } }));
    assert!(process.reply()["result"]["capabilities"].is_object());
    process.send(json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));
}

#[test]
fn stdio_oversized_messages_are_answered_and_skipped_without_allocating() {
    for length in ["1000000000000", "3000000000"] {
        let mut process = Process::start();
        initialize(&mut process);
        process.send_raw(format!("Content-Length: {length}\r\n\r\n{{\"jsonrpc\":").as_bytes());
        let reply = process.reply();
        assert_eq!(reply["id"], Value::Null, "{reply}");
        assert_eq!(reply["error"]["code"], -32600, "{reply}");
        assert!(reply["error"]["message"].as_str().unwrap().contains(length), "{reply}");
        if let Some(peak) = process.peak_memory() {
            assert!(peak < 512 << 20, "a {length}-byte header made the server use {peak} bytes");
        }
        let status = process.finish();
        assert!(status.code().is_some(), "ended by a signal (an abort?): {status:?}");
    }
}

#[test]
fn stdio_malformed_messages_get_json_rpc_errors_and_the_session_goes_on() {
    let mut process = Process::start();
    // Before initialize: a stray response is ignored, a request is refused, and neither ends it.
    process.send(json!({ "jsonrpc": "2.0", "id": 5, "result": null }));
    process.send(json!({ "jsonrpc": "2.0", "id": 6, "method": "textDocument/hover", "params": {} }));
    let reply = process.reply();
    assert_eq!((reply["id"].clone(), reply["error"]["code"].clone()), (json!(6), json!(-32002)), "{reply}");
    initialize(&mut process);
    let cases: [(&[u8], i64); 5] = [
        (b"Content-Length: 5\r\n\r\nhello", -32700),
        (b"Content-Length: 3\r\n\r\n[1]", -32600),
        (b"Content-Length: 4\r\n\r\n\xff\xfe{}", -32700),
        (b"Content-Length: 30\r\n\r\n{\"jsonrpc\":\"2.0\",\"id\":[1,2,3]}", -32600),
        (b"X-Nonsense\r\n\r\n", -32700),
    ];
    for (bytes, code) in cases {
        process.send_raw(bytes);
        let reply = process.reply();
        assert_eq!(reply["error"]["code"], code, "{} -> {reply}", String::from_utf8_lossy(bytes));
        assert_eq!(reply["id"], Value::Null, "{reply}");
    }
    // A request with a usable id that is not a request gets its id back.
    process.send(json!({ "jsonrpc": "2.0", "id": 7, "method": 12 }));
    let reply = process.reply();
    assert_eq!((reply["id"].clone(), reply["error"]["code"].clone()), (json!(7), json!(-32600)), "{reply}");
    // And the session still works, through shutdown and exit.
    process.send(json!({ "jsonrpc": "2.0", "id": 8, "method": "textDocument/hover",
        "params": { "textDocument": { "uri": "file:///nonexistent/a.dart" }, "position": { "line": 0, "character": 0 } } }));
    assert_eq!(process.reply()["id"], 8);
    process.send(json!({ "jsonrpc": "2.0", "id": 9, "method": "shutdown" }));
    assert_eq!(process.reply()["id"], 9);
    process.send(json!({ "jsonrpc": "2.0", "method": "exit" }));
    assert_eq!(process.finish().code(), Some(0));
}

/// Thousands of findings in a 3 MB file: one line index per file, not a scan from the start
/// of the file per position (which took minutes).
#[test]
fn diagnostic_positions_use_one_line_index_per_file() {
    use bglint::diagnostics::{Diagnostic, Label, Severity};
    use bglint::lsp::convert::{Encoding, Positions};
    let line = "  await Workmanager().registerPeriodicTask('é', 'x', frequency: const Duration(minutes: 5));\n";
    let text: std::sync::Arc<str> = line.repeat(3_000_000 / line.len()).into();
    let count = 20_000;
    let step = text.len() / count / line.len() * line.len();
    let diagnostics: Vec<Diagnostic> = (0..count)
        .map(|i| {
            let at = i * step + 8;
            Diagnostic {
                rule: "some-rule",
                severity: Severity::Warning,
                path: "/tmp/a.dart".into(),
                text: text.clone(),
                span: at..at + 11,
                message: String::new(),
                help: String::new(),
                docs_url: String::new(),
                labels: vec![Label {
                    path: "/tmp/a.dart".into(),
                    text: text.clone(),
                    span: at..at,
                    message: String::new(),
                }],
                fix: None,
                context: String::new(),
            }
        })
        .collect();
    let started = Instant::now();
    let mut positions = Positions::new(Encoding::Utf16);
    let converted: Vec<_> = diagnostics.iter().map(|d| positions.diagnostic(d)).collect();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "{count} positions took {took:?}");
    let last = &converted[count - 1];
    assert_eq!(last.range.start.line as usize, (count - 1) * step / line.len());
    assert_eq!((last.range.start.character, last.range.end.character), (8, 19));
}

/// An open buffer gets the bounds of a file on disk: one over the size limit is not analysed.
#[test]
fn an_oversized_buffer_is_skipped_like_an_oversized_file() {
    let app = flutter_app();
    let root = app.path().canonicalize().unwrap();
    let client = Client::start(&root);
    let big = root.join("lib/big.dart");
    let text = DART.repeat((5 << 20) / DART.len());
    let started = Instant::now();
    client.open(&big, "dart", &text);
    assert_eq!(client.diagnostics_for(&big), Vec::<Value>::new());
    assert!(started.elapsed() < Duration::from_secs(20));
    let small = root.join("lib/small.dart");
    client.open(&small, "dart", DART);
    assert!(!client.diagnostics_for(&small).is_empty(), "the same code, under the limit, is analysed");
    client.shutdown();
}
