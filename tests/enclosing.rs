//! Where the user stands must not change the answer: a run on one file, on a subfolder, on a
//! Flutter app's `ios/`, or an editor whose workspace root lies below the project root gives
//! the same findings for those files as a run from the project root.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use serde_json::{json, Value};

/// A copy of a fixture app in a temporary folder with a `.git` (bounding the upward search).
fn app(fixture: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap().join("app");
    copy(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(fixture), &root);
    std::fs::create_dir_all(root.join(".git")).unwrap();
    (dir, root)
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// (rule, path relative to the app root, line) of every finding, and the JSON summary.
type Found = BTreeSet<(String, String, u64)>;

fn check(cwd: &Path, args: &[&str], root: &Path) -> (Found, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_bglint"))
        .args(["check", "--format", "json"])
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("bglint runs");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = cwd.join(f["path"].as_str().unwrap()).canonicalize().unwrap();
            let related = f["related"].as_array().unwrap();
            for r in related {
                let p = cwd.join(r["path"].as_str().unwrap());
                assert!(p.exists(), "related location {} names no file", p.display());
            }
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            (f["rule"].as_str().unwrap().to_string(), rel, f["start"]["line"].as_u64().unwrap())
        })
        .collect();
    (found, report["summary"].clone())
}

fn under(found: &Found, prefix: &str) -> Found {
    found.iter().filter(|(_, p, _)| p.starts_with(prefix)).cloned().collect()
}

/// The rules of `found` that read another file than the one they report on.
fn cross_file(found: &Found) -> usize {
    found.iter().filter(|(r, _, _)| r.contains("bgtask") || r.contains("mode") || r.contains("declared")).count()
}

#[test]
fn a_subfolder_a_single_file_and_ios_of_a_flutter_app_use_the_app_s_project() {
    let (_dir, root) = app("flutter-crossfile");
    let (everything, summary) = check(&root, &["."], &root);
    assert_eq!(summary["files_without_project"], 0);

    let (from_lib, summary) = check(&root.join("lib"), &[], &root);
    assert_eq!(from_lib, under(&everything, "lib/"));
    assert!(cross_file(&from_lib) >= 3, "cross-file findings survive `cd lib`: {from_lib:?}");
    assert_eq!(summary["files_without_project"], 0);

    let file = "lib/background/sync.dart";
    let (one, _) = check(&root, &[file], &root);
    assert_eq!(one, under(&everything, file));
    assert_eq!(one.len(), 2, "{one:?}");

    // ios/ alone: only its files are reported, with the facts (and signals) of the whole app.
    let (ios, _) = check(&root, &["ios/"], &root);
    assert_eq!(ios, under(&everything, "ios/"));
    assert!(!ios.is_empty());
    assert!(ios.iter().all(|(_, p, _)| p.starts_with("ios/")), "{ios:?}");
}

#[test]
fn native_apps_are_found_from_a_file_or_a_module_folder() {
    let (_dir, root) = app("ios-app");
    let (everything, _) = check(&root, &[], &root);
    let file = "Trailhead/Sync/RefreshScheduler.swift";
    let (one, _) = check(&root.join("Trailhead/Sync"), &["RefreshScheduler.swift"], &root);
    assert_eq!(one, under(&everything, file));
    assert!(one.iter().any(|(r, _, _)| r == "ios-bgtask-identifier-not-permitted"), "{one:?}");

    let (_dir, root) = app("android-app");
    let (everything, _) = check(&root, &[], &root);
    let folder = "app/src/main/java/com/example/pantry/delivery";
    let (sub, _) = check(&root, &[folder], &root);
    assert_eq!(sub, under(&everything, folder));
    assert!(sub.iter().any(|(r, _, _)| r == "android-fgs-type-not-declared"), "{sub:?}");
}

#[test]
fn files_outside_every_project_are_counted_once() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    std::fs::write(dir.path().join("a.dart"), "void main() {}\n").unwrap();
    std::fs::write(dir.path().join("b.swift"), "let x = 1\n").unwrap();
    let (_, summary) = check(dir.path(), &[], dir.path());
    assert_eq!(summary["files_without_project"], 2);
    let out = Command::new(env!("CARGO_BIN_EXE_bglint")).arg("check").current_dir(dir.path()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("belong to no Flutter, iOS or Android project").count(), 1, "{text}");
    assert!(text.contains("bglint projects"), "{text}");
}

fn uri(path: &Path) -> String {
    bglint::lsp::convert::uri(path).unwrap().as_str().to_string()
}

/// The diagnostic codes an editor gets for `file` with `workspace` as its root (or none).
fn editor_codes(workspace: Option<&Path>, file: &Path) -> BTreeSet<(String, u64)> {
    let (server_side, client) = Connection::memory();
    let server = std::thread::spawn(move || bglint::lsp::serve(server_side));
    let folders = match workspace {
        Some(w) => json!([{ "uri": uri(w), "name": "w" }]),
        None => Value::Null,
    };
    let init = json!({ "processId": null, "capabilities": {}, "workspaceFolders": folders });
    client.sender.send(Message::Request(Request::new(RequestId::from(1), "initialize".into(), init))).unwrap();
    let notify = |method: &str, params: Value| {
        client.sender.send(Message::Notification(Notification::new(method.to_string(), params))).unwrap();
    };
    notify("initialized", json!({}));
    let text = std::fs::read_to_string(file).unwrap();
    notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri(file), "languageId": "dart", "version": 1, "text": text } }),
    );
    let diagnostics = loop {
        match client.receiver.recv_timeout(Duration::from_secs(60)).expect("diagnostics are published") {
            Message::Notification(n)
                if n.method == "textDocument/publishDiagnostics" && n.params["uri"] == uri(file).as_str() =>
            {
                break n.params["diagnostics"].as_array().unwrap().clone();
            }
            _ => continue,
        }
    };
    client.sender.send(Message::Request(Request::new(RequestId::from(2), "shutdown".into(), Value::Null))).unwrap();
    notify("exit", Value::Null);
    server.join().unwrap().unwrap();
    diagnostics
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_string(), d["range"]["start"]["line"].as_u64().unwrap() + 1))
        .collect()
}

#[test]
fn an_editor_rooted_below_the_project_or_with_no_root_sees_the_app_s_findings() {
    let (_dir, root) = app("flutter-crossfile");
    let file = "lib/background/sync.dart";
    let (everything, _) = check(&root, &[], &root);
    let expected: BTreeSet<(String, u64)> =
        under(&everything, file).into_iter().map(|(rule, _, line)| (rule, line)).collect();
    assert_eq!(expected.len(), 2);
    assert_eq!(editor_codes(Some(&root.join("lib/background")), &root.join(file)), expected);
    assert_eq!(editor_codes(None, &root.join(file)), expected);
}

const DART: &str =
    "void f() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n";
const KOTLIN: &str =
    "fun f() {\n    val r = PeriodicWorkRequest.Builder(W::class.java, 10, TimeUnit.MINUTES).build()\n}\n";
const SWIFT: &str =
    "func f() {\n    let trigger = UNTimeIntervalNotificationTrigger(timeInterval: 30, repeats: true)\n    _ = trigger\n}\n";

#[test]
fn test_code_is_left_out_by_default_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let files: &[(&str, String)] = &[
        (".git/HEAD", String::new()),
        ("pubspec.yaml", "name: app\n".into()),
        ("lib/a.dart", DART.into()),
        ("test/a_test.dart", DART.into()),
        ("integration_test/flow_test.dart", DART.into()),
        ("test_driver/app.dart", DART.into()),
        ("android/settings.gradle", String::new()),
        ("android/app/src/main/kotlin/A.kt", KOTLIN.into()),
        ("android/app/src/test/kotlin/ATest.kt", KOTLIN.into()),
        ("android/app/src/androidTestDebug/kotlin/AInstrumented.kt", KOTLIN.into()),
        ("ios/Runner.xcodeproj/project.pbxproj", String::new()),
        ("ios/Runner/A.swift", SWIFT.into()),
        ("ios/RunnerTests/ATests.swift", SWIFT.into()),
        ("ios/Runner/Harness.swift", format!("import XCTest\n{SWIFT}")),
    ];
    for (name, text) in files {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (found, summary) = check(&root, &[], &root);
    let paths: BTreeSet<String> = found.iter().map(|(_, p, _)| p.clone()).collect();
    let expected: BTreeSet<String> =
        ["lib/a.dart", "android/app/src/main/kotlin/A.kt", "ios/Runner/A.swift"].map(String::from).into();
    assert_eq!(paths, expected);
    assert_eq!(summary["test_files_excluded"], 7, "{summary}");

    let (all, summary) = check(&root, &["--include-tests"], &root);
    assert_eq!(all.len(), 10, "{all:?}");
    assert_eq!(summary["test_files_excluded"], 0);

    std::fs::write(root.join("bglint.toml"), "include-tests = true\n").unwrap();
    let (configured, _) = check(&root, &[], &root);
    assert_eq!(configured, all);

    // A test file named on the command line is checked.
    std::fs::remove_file(root.join("bglint.toml")).unwrap();
    let (named, _) = check(&root, &["test/a_test.dart"], &root);
    assert_eq!(named.len(), 1);
}

#[test]
fn an_editor_leaves_test_code_out_unless_the_configuration_brings_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::create_dir_all(root.join("test")).unwrap();
    std::fs::write(root.join("pubspec.yaml"), "name: app\n").unwrap();
    let file = root.join("test/sync_test.dart");
    std::fs::write(&file, DART).unwrap();
    assert!(editor_codes(Some(&root), &file).is_empty());
    std::fs::write(root.join("bglint.toml"), "include-tests = true\n").unwrap();
    assert_eq!(editor_codes(Some(&root), &file).len(), 1);
}
