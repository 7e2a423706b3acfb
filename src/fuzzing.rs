//! Fuzz target bodies: every front end bglint feeds untrusted bytes to, as a function of those
//! bytes. The `fuzz/` crate (cargo-fuzz, nightly) wraps each in one line, and
//! `tests/fuzz_smoke.rs` replays the seed corpus plus deterministic mutations through all of
//! them on stable, so CI exercises every target.
//!
//! A target panics when bglint misbehaves: a panic (also one the engine would catch and report
//! as an internal error), a finding whose span is not inside its file's text. Hangs and memory
//! are bounded by the fuzzer (`-timeout=`, `-rss_limit_mb=`; see CONTRIBUTING.md).
//!
//! Adding a language: one line in [`SOURCES`] (and a one-line target in `fuzz/`).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::diagnostics::{Diagnostic, RunResult};
use crate::engine::{Engine, Options};
use crate::rules::Registry;
use crate::source::SkipReason;

/// Source front ends: target name and the path (inside [`project`]) the input is analysed as.
pub const SOURCES: &[(&str, &str)] = &[
    ("dart", "lib/fuzzed.dart"),
    ("swift", "ios/Runner/Fuzzed.swift"),
    ("kotlin", "android/app/src/main/kotlin/com/example/Fuzzed.kt"),
    ("java", "android/app/src/main/java/com/example/Fuzzed.java"),
];

/// Every target by name, for the smoke test and the seed script.
pub const TARGETS: &[&str] = &[
    "dart",
    "swift",
    "kotlin",
    "java",
    "plist",
    "manifest",
    "gradle_groovy",
    "gradle_kts",
    "pubspec",
    "config",
    "baseline",
    "lsp",
];

/// Runs `data` through the target called `name`; false when there is no such target.
pub fn run(name: &str, data: &[u8]) -> bool {
    if let Some((_, path)) = SOURCES.iter().find(|(n, _)| *n == name) {
        source(path, data);
        return true;
    }
    match name {
        "plist" => plist(data),
        "manifest" => manifest(data),
        "gradle_groovy" => gradle(data, false),
        "gradle_kts" => gradle(data, true),
        "pubspec" => pubspec(data),
        "config" => config(data),
        "baseline" => baseline(data),
        "lsp" => lsp(data),
        _ => return false,
    }
    true
}

/// The target of that name (what each `fuzz/` target calls).
pub fn target(name: &str, data: &[u8]) {
    assert!(run(name, data), "no fuzz target {name}");
}

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(Registry::builtin().expect("built-in rules")))
}

const PUBSPEC: &str = "name: app\ndependencies:\n  flutter:\n    sdk: flutter\n  workmanager: ^0.7.0\n";
const PLIST: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n  \
    <key>UIBackgroundModes</key>\n  <array><string>audio</string><string>location</string></array>\n  \
    <key>BGTaskSchedulerPermittedIdentifiers</key>\n  <array><string>com.example.sync</string></array>\n</dict>\n</plist>\n";
const MANIFEST: &str = "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n  \
    <uses-permission android:name=\"android.permission.FOREGROUND_SERVICE\" />\n  <application>\n    \
    <service android:name=\".Tracker\" android:foregroundServiceType=\"location\" />\n  </application>\n</manifest>\n";
const GRADLE: &str = "plugins { id(\"com.android.application\") }\nandroid {\n  compileSdk = 34\n  \
    defaultConfig {\n    targetSdk = 34\n    minSdk = 23\n  }\n}\n";
const DART: &str = "import 'package:workmanager/workmanager.dart';\n\nFuture<void> schedule() async {\n  \
    await Workmanager().registerPeriodicTask('com.example.sync', 'sync', frequency: const Duration(minutes: 5));\n}\n";

/// A small Flutter app (with its iOS and Android sides) whose project facts make every
/// cross-file rule live; the fuzzed file replaces or joins one of its files.
fn project() -> Vec<(PathBuf, String)> {
    [
        ("pubspec.yaml", PUBSPEC),
        ("ios/Runner/Info.plist", PLIST),
        ("android/app/src/main/AndroidManifest.xml", MANIFEST),
        ("android/app/build.gradle.kts", GRADLE),
        ("lib/main.dart", DART),
    ]
    .into_iter()
    .map(|(p, t)| (PathBuf::from(p), t.to_string()))
    .collect()
}

/// Checks [`project`] with `path` holding `text` (replacing the file there, if any).
fn check_project_with(path: &str, text: &str) -> RunResult {
    let mut files = project();
    files.retain(|(p, _)| p != Path::new(path));
    files.push((PathBuf::from(path), text.to_string()));
    let options = Options { threads: 1, ..Options::default() };
    match engine().check_files(&files, &options) {
        Ok(result) => {
            assert_sound(&result);
            result
        }
        // An error is a clear answer (bad input), not a defect.
        Err(_) => RunResult::default(),
    }
}

/// What must hold of any run: no rule failed, and every span lies on character boundaries of
/// the text it points into.
fn assert_sound(result: &RunResult) {
    for (path, reason) in &result.skipped {
        if let SkipReason::InternalError(message) = reason {
            panic!("a rule failed on {}: {message}", path.display());
        }
    }
    for d in &result.diagnostics {
        assert_span(d, &d.text, &d.span);
        for label in &d.labels {
            assert_span(d, &label.text, &label.span);
        }
        if let Some(fix) = &d.fix {
            for edit in &fix.edits {
                assert_span(d, &d.text, &edit.span);
            }
        }
    }
}

fn assert_span(d: &Diagnostic, text: &str, span: &std::ops::Range<usize>) {
    assert!(
        span.start <= span.end && text.get(span.clone()).is_some(),
        "{}: span {span:?} is not inside its text of {} bytes",
        d.rule,
        text.len()
    );
}

/// Source code through the prefilter, the parser and every rule, inside a project.
fn source(path: &str, data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    check_project_with(path, &text);
    // The file's own guards (NUL bytes, encodings, size) see the raw bytes.
    let _ = crate::source::SourceFile::from_bytes(Path::new(path), data.to_vec());
}

/// Info.plist and entitlements, XML or binary (or OpenStep), parsed alone and as the app's plist.
fn plist(data: &[u8]) {
    let _ = crate::project::plist::info_plist(data);
    let _ = crate::project::plist::entitlements(data);
    check_project_with("ios/Runner/Info.plist", &String::from_utf8_lossy(data));
    if crate::project::plist::is_binary(data) {
        // Binary plists are read through the loader's bytes; lossy text would corrupt them.
        let mut files = project();
        files.retain(|(p, _)| p != Path::new("ios/Runner/Info.plist"));
        let result = check_bytes(&files, "ios/Runner/Info.plist", data);
        assert_sound(&result);
    }
}

/// Runs `files` plus `path` holding exactly `bytes`.
fn check_bytes(files: &[(PathBuf, String)], path: &str, bytes: &[u8]) -> RunResult {
    let mut all: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    all.push(PathBuf::from(path));
    let lookup = |p: &Path| -> Option<Vec<u8>> {
        if p == Path::new(path) {
            return Some(bytes.to_vec());
        }
        files.iter().find(|(q, _)| q == p).map(|(_, t)| t.as_bytes().to_vec())
    };
    let load_source = |p: &Path| match lookup(p) {
        Some(b) => crate::source::SourceFile::from_bytes(p, b),
        None => Err(SkipReason::Unreadable("not in memory".to_string())),
    };
    let load_bytes = |p: &Path| lookup(p).ok_or_else(|| "not in memory".to_string());
    let options = Options { threads: 1, ..Options::default() };
    engine().check_with_loaders(&all, &load_source, &load_bytes, &options).unwrap_or_default()
}

fn manifest(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::project::manifest::manifest(&text);
    check_project_with("android/app/src/main/AndroidManifest.xml", &text);
}

fn gradle(data: &[u8], kotlin_dsl: bool) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::project::gradle::build_file(&text);
    let path = if kotlin_dsl { "android/app/build.gradle.kts" } else { "android/app/build.gradle" };
    check_project_with(path, &text);
}

fn pubspec(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::project::pubspec::pubspec(&text);
    check_project_with("pubspec.yaml", &text);
}

/// A folder of this process's own for files a target must put on disk.
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("bglint-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("app")).expect("a scratch folder");
        dir
    })
}

/// bglint.toml, loaded and resolved against the registry (configuration is read from disk, so
/// the input is written to a scratch folder first), then applied to a run's findings.
fn config(data: &[u8]) {
    let path = scratch().join("app").join(crate::config::FILE_NAME);
    std::fs::write(&path, data).expect("the scratch folder is writable");
    let registry = Registry::builtin().expect("built-in rules");
    let metas: Vec<&crate::rules::meta::RuleMeta> = registry.rules.iter().map(|r| r.meta()).collect();
    let configs = crate::config::Configs::new(&metas);
    if let Ok(resolved) = configs.load(&path) {
        let mut result = sample_run();
        let _ = crate::config::Configs::new(&metas).filter(&mut result, Some(&resolved));
    }
}

/// The findings of [`project`], with paths inside the scratch folder.
fn sample_run() -> RunResult {
    let mut result = check_project_with("lib/main.dart", DART);
    for d in &mut result.diagnostics {
        d.path = scratch().join("app").join(&d.path);
    }
    result
}

/// A baseline file, parsed, written back and applied to a run's findings.
fn baseline(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(baseline) = crate::baseline::Baseline::from_json(text) else { return };
    let again = crate::baseline::Baseline::from_json(&baseline.to_json()).expect("a written baseline reads back");
    assert_eq!(again.entries, baseline.entries);
    let mut result = check_project_with("lib/main.dart", DART);
    let display = |p: &Path| p.to_string_lossy().replace('\\', "/");
    let _ = crate::baseline::apply(&mut result, &baseline, display);
}

/// The workspace root the `lsp` target's session is given. It does not exist: the server finds
/// no files on disk, and analyses only the buffers the input opens.
pub const LSP_ROOT: &str = "/nonexistent-bglint-fuzz";

/// The language server's input: the bytes are a client's stream (frames with headers), read by
/// the server's framing reader, then played to a session after `initialize`. Messages that name
/// a `file://` URI outside [`LSP_ROOT`] are dropped, so the target never walks the machine's disk.
fn lsp(data: &[u8]) {
    use crate::lsp::transport::{Frame, FrameReader};
    use lsp_server::{Connection, Message, Notification, Request};

    let mut frames = FrameReader::new(data);
    let mut messages = Vec::new();
    while let Ok(Some(frame)) = frames.next_frame() {
        if let Frame::Message(message) = frame {
            messages.push(message);
        }
    }
    let (server, client) = Connection::memory();
    let root = format!("file://{LSP_ROOT}");
    let init = serde_json::json!({ "processId": null, "rootUri": root, "capabilities": {},
        "workspaceFolders": [{ "uri": root, "name": "fuzz" }] });
    let send = |m: Message| client.sender.send(m).expect("the session is listening");
    send(Message::Request(Request::new(0.into(), "initialize".to_string(), init)));
    send(Message::Notification(Notification::new("initialized".to_string(), serde_json::json!({}))));
    let inside = format!("file://{LSP_ROOT}/");
    for message in messages {
        let text = serde_json::to_string(&message).unwrap_or_default();
        let outside = text.match_indices("file://").any(|(i, _)| !text[i..].starts_with(&inside));
        if !outside {
            send(message);
        }
    }
    drop(client.sender);
    crate::lsp::serve(server).expect("the session ends cleanly");
}

/// Deterministic mutations for the smoke test: byte flips, insertions, deletions, duplications
/// and truncations chosen by a fixed-seed generator (xorshift), so every run replays the same
/// inputs and a failure names a reproducible one.
pub fn mutations(seed: &[u8], count: usize, mut state: u64) -> Vec<Vec<u8>> {
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    const INTERESTING: &[&[u8]] =
        &[b"\0", b"\r", b"\n", b"{", b"}", b"(", b")", b"<", b">", b"\"", b"'", b"\xff", b"\xc3", b"\\", b"${", b"*/"];
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut data = seed.to_vec();
        for _ in 0..1 + next() % 4 {
            let at = if data.is_empty() { 0 } else { (next() as usize) % (data.len() + 1) };
            match next() % 6 {
                0 if at < data.len() => data[at] ^= 1 << (next() % 8),
                1 => {
                    let piece = INTERESTING[(next() as usize) % INTERESTING.len()];
                    data.splice(at..at, piece.iter().copied());
                }
                2 if at < data.len() => {
                    let end = (at + 1 + (next() as usize) % 16).min(data.len());
                    data.drain(at..end);
                }
                3 if at < data.len() => {
                    let end = (at + 1 + (next() as usize) % 64).min(data.len());
                    let piece = data[at..end].to_vec();
                    data.splice(at..at, piece);
                }
                4 => data.truncate(at),
                _ => {
                    if let Some(last) = data.len().checked_sub(1) {
                        data[at.min(last)] = next() as u8;
                    }
                }
            }
        }
        out.push(data);
    }
    out
}

/// The target a file of this path feeds, if any.
pub fn target_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    Some(match name {
        "Info.plist" => "plist",
        _ if name.ends_with(".plist") || name.ends_with(".entitlements") => "plist",
        "AndroidManifest.xml" => "manifest",
        _ if name.ends_with(".gradle") => "gradle_groovy",
        _ if name.ends_with(".gradle.kts") => "gradle_kts",
        "pubspec.yaml" => "pubspec",
        crate::config::FILE_NAME => "config",
        _ if name.ends_with(".json") && name.contains("baseline") => "baseline",
        _ => {
            let lang = crate::lang::Language::from_path(path)?;
            let source = SOURCES.iter().find(|(_, p)| crate::lang::Language::from_path(Path::new(p)) == Some(lang));
            return source.map(|s| s.0);
        }
    })
}

/// Hand-written seeds for formats the fixtures lack.
const EXTRA_SEEDS: &[(&str, &str)] = &[
    (
        "gradle_groovy",
        "apply plugin: 'com.android.application'\next { targetSdkVersion = 33 }\nandroid {\n    \
         compileSdkVersion 34\n    defaultConfig {\n        applicationId \"com.example\"\n        \
         minSdkVersion 21\n        targetSdkVersion rootProject.ext.targetSdkVersion\n    }\n}\n",
    ),
    (
        "config",
        "select = [\"all\"]\nignore = [\"category:battery\"]\nexclude = [\"build/**\", \"lib/gen/*.dart\"]\n\
         assume-target-sdk = 34\nrequire-suppression-reason = true\n\n[severity]\n\
         flutter-periodic-task-under-15-min = \"warning\"\n\n[[per-path]]\npaths = [\"test/**\"]\nignore = [\"ios\"]\n",
    ),
    ("config", "extend = \"missing.toml\"\nselect = [\"android\", \"both\"]\n"),
    ("config", "ignore = [\"flutter-periodic-task-under-15-min\"]\nexclude = [\"{a,b}/**/[!x]*.dart\"]\n"),
    ("config", "[[per-path]]\npaths = [\"lib/**\"]\nignore = [\"all\"]\n[severity]\nios-bgtask-background-mode-missing = \"info\"\n"),
    ("baseline", "{\"version\": 1, \"entries\": []}\n"),
];

/// Seeds for every target, built from what the repository already holds: the fixtures under
/// `repo/fixtures`, every rule's examples (markers removed), the baseline at the root, a few
/// hand-written files, binary forms of the plists, and language-server sessions that open,
/// edit, hover and fix the source seeds. As (target, name, bytes).
pub fn seeds(repo: &Path) -> Vec<(&'static str, String, Vec<u8>)> {
    let mut out: Vec<(&'static str, String, Vec<u8>)> = Vec::new();
    let mut files = Vec::new();
    collect_files(&repo.join("fixtures"), &mut files);
    files.push(repo.join("bglint-baseline.json"));
    files.sort();
    for path in files {
        if let (Some(target), Ok(bytes)) = (target_of(&path), std::fs::read(&path)) {
            let name = path.strip_prefix(repo).unwrap_or(&path).to_string_lossy().replace(['/', '\\'], "_");
            out.push((target, name, bytes));
        }
    }
    let registry = Registry::builtin().expect("built-in rules");
    for rule in &registry.rules {
        let meta = rule.meta();
        for (i, example) in meta.bad.iter().chain(&meta.good).enumerate() {
            let fake = SOURCES
                .iter()
                .find(|(_, p)| crate::lang::Language::from_path(Path::new(p)) == Some(example.lang))
                .map(|s| s.0);
            if let Some(target) = fake {
                let code = example.code.replace(['«', '»'], "");
                out.push((target, format!("example_{}_{i}", meta.id), code.into_bytes()));
            }
        }
        for (i, project) in meta.bad_projects.iter().chain(&meta.good_projects).enumerate() {
            for file in &project.files {
                if let Some(target) = target_of(Path::new(&file.path)) {
                    let text = file.text.replace(['«', '»'], "");
                    out.push((target, format!("project_{}_{i}_{}", meta.id, file.path.replace('/', "_")), text.into()));
                }
            }
        }
    }
    for (target, text) in EXTRA_SEEDS {
        out.push((target, format!("extra_{}", out.len()), text.as_bytes().to_vec()));
    }
    let recorded = crate::baseline::record(&check_project_with("lib/main.dart", DART), |p| p.display().to_string());
    out.push(("baseline", "recorded".to_string(), recorded.to_json().into_bytes()));
    let mut derived = Vec::new();
    for (target, name, bytes) in &out {
        if *target == "plist" {
            if let Ok(value) = plist::Value::from_reader(std::io::Cursor::new(bytes)) {
                let mut binary = Vec::new();
                if value.to_writer_binary(&mut binary).is_ok() {
                    derived.push(("plist", format!("{name}.binary"), binary));
                }
            }
        }
    }
    // Sessions over the smaller source seeds (a long session per seed would slow the fuzzer).
    let mut sessions = 0;
    for (target, name, bytes) in &out {
        if let (Some((_, path)), true) = (SOURCES.iter().find(|(n, _)| n == target), bytes.len() < 4096) {
            if sessions < 48 {
                let text = String::from_utf8_lossy(bytes);
                derived.push(("lsp", format!("session_{name}"), lsp_session(path, &text)));
                sessions += 1;
            }
        }
    }
    out.extend(derived);
    out
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => collect_files(&path, out),
            Ok(t) if t.is_file() => out.push(path),
            _ => {}
        }
    }
}

/// A framed client stream: open `path` (under [`LSP_ROOT`]) with `text`, edit it, ask for
/// hovers and code actions, send a malformed frame, shut down.
pub fn lsp_session(path: &str, text: &str) -> Vec<u8> {
    use serde_json::json;
    let uri = format!("file://{LSP_ROOT}/{path}");
    let lines = text.lines().count() as u32;
    let messages = [
        json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen",
                "params": { "textDocument": { "uri": uri, "languageId": "x", "version": 1, "text": text } } }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didChange",
                "params": { "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [
                    { "range": { "start": { "line": lines / 2, "character": 0 }, "end": { "line": lines / 2, "character": 3 } },
                      "text": "// é\n" }] } }),
        json!({ "jsonrpc": "2.0", "id": 1, "method": "textDocument/hover",
                "params": { "textDocument": { "uri": uri }, "position": { "line": lines / 2, "character": 4 } } }),
        json!({ "jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction",
                "params": { "textDocument": { "uri": uri }, "context": { "diagnostics": [] },
                            "range": { "start": { "line": 0, "character": 0 }, "end": { "line": lines, "character": 0 } } } }),
        json!({ "jsonrpc": "2.0", "method": "textDocument/didSave", "params": { "textDocument": { "uri": uri } } }),
        json!({ "jsonrpc": "2.0", "id": 3, "method": "shutdown" }),
        json!({ "jsonrpc": "2.0", "method": "exit" }),
    ];
    let mut out = Vec::new();
    for (i, m) in messages.iter().enumerate() {
        let body = serde_json::to_vec(m).expect("JSON");
        let _ = crate::lsp::transport::write_frame(&mut out, &body);
        if i == 2 {
            out.extend_from_slice(b"Content-Length: 7\r\n\r\n{\"id\":}");
        }
    }
    out
}
