//! The command line as users and CI see it: exit codes, formats, colour, hostile inputs.

use std::path::Path;
use std::process::{Command, Output};

fn bglint(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bglint"))
        .args(args)
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .output()
        .expect("bglint runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("stderr is UTF-8")
}

const BAD_DART: &str =
    "void schedule() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n";
const GOOD_DART: &str =
    "void schedule() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(hours: 1));\n}\n";

fn project(files: &[(&str, &[u8])]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    dir
}

#[test]
fn exit_codes_distinguish_clean_findings_and_errors() {
    let clean = project(&[("lib/a.dart", GOOD_DART.as_bytes())]);
    let o = bglint(&["check", "."], clean.path());
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("No findings in 1 file analysed"), "{}", stdout(&o));

    let dirty = project(&[("lib/a.dart", BAD_DART.as_bytes())]);
    let o = bglint(&["check"], dirty.path());
    assert_eq!(o.status.code(), Some(1));

    let o = bglint(&["check", "does/not/exist"], clean.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("does/not/exist"), "{}", stderr(&o));

    let o = bglint(&["check", "--format", "yaml"], clean.path());
    assert_eq!(o.status.code(), Some(2), "unknown flag values are usage errors");

    let o = bglint(&["explain", "no-such-rule"], clean.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown rule `no-such-rule`"));
}

#[test]
fn files_without_rule_keywords_are_not_parsed() {
    let dir = project(&[
        ("lib/plain.dart", b"void main() { print('hello'); }\n"),
        ("ios/View.swift", b"struct V { let title = \"x\" }\n"),
        ("lib/a.dart", GOOD_DART.as_bytes()),
    ]);
    let o = bglint(&["check", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["files_analyzed"], 3);
    assert_eq!(v["summary"]["files_parsed"], 1, "only the file mentioning a rule keyword is parsed");
}

#[test]
fn generated_and_vendored_code_is_skipped() {
    let dir = project(&[
        ("lib/a.g.dart", BAD_DART.as_bytes()),
        ("ios/Pods/Lib/x.dart", BAD_DART.as_bytes()),
        ("build/app/x.dart", BAD_DART.as_bytes()),
        (".gitignore", b"ignored/\n"),
        ("ignored/x.dart", BAD_DART.as_bytes()),
        ("lib/real.dart", BAD_DART.as_bytes()),
    ]);
    let o = bglint(&["check", "--format", "json"], dir.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let paths: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["lib/real.dart"]);
    // Named explicitly, a generated file is analysed.
    let o = bglint(&["check", "lib/a.g.dart"], dir.path());
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn text_output_has_code_frame_help_and_summary() {
    let dirty = project(&[("lib/a.dart", BAD_DART.as_bytes())]);
    let o = bglint(&["check", "--color", "never"], dirty.path());
    let out = stdout(&o);
    assert!(out.contains("warning[flutter-periodic-task-under-15-min]"), "{out}");
    assert!(out.contains("lib/a.dart:2:59"), "{out}");
    assert!(out.contains("^^^^^^^^^^^^^^^^^^^^^^^^^^"), "the code frame underlines the interval: {out}");
    assert!(out.contains("= help: "), "{out}");
    assert!(out.contains("Found 1 problem: 0 errors, 1 warning, 0 infos in 1 file analysed (1 parsed)"), "{out}");
    assert!(!out.contains('\u{1b}'), "--color never prints no escape codes");
}

#[test]
fn colour_follows_flag_and_no_color() {
    let dirty = project(&[("lib/a.dart", BAD_DART.as_bytes())]);
    let o = bglint(&["check", "--color", "always"], dirty.path());
    assert!(stdout(&o).contains('\u{1b}'), "--color always colours even when piped");
    // Piped output with the default `auto` is plain.
    let o = bglint(&["check"], dirty.path());
    assert!(!stdout(&o).contains('\u{1b}'));
    let o = Command::new(env!("CARGO_BIN_EXE_bglint"))
        .args(["check"])
        .current_dir(dirty.path())
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!stdout(&o).contains('\u{1b}'), "NO_COLOR wins over CLICOLOR_FORCE");
}

#[test]
fn json_output_has_the_documented_shape() {
    let dirty = project(&[("lib/a.dart", BAD_DART.as_bytes()), ("lib/b.dart", GOOD_DART.as_bytes())]);
    let o = bglint(&["check", "--format", "json"], dirty.path());
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("valid JSON");
    assert_eq!(v["version"], 1);
    assert_eq!(v["tool"]["name"], "bglint");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "flutter-periodic-task-under-15-min");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["path"], "lib/a.dart");
    assert_eq!(f["start"]["line"], 2);
    assert_eq!(f["start"]["column"], 59);
    assert_eq!(f["end"]["line"], 2);
    let (start, end) = (f["byte_range"]["start"].as_u64().unwrap(), f["byte_range"]["end"].as_u64().unwrap());
    assert_eq!(&BAD_DART[start as usize..end as usize], "const Duration(minutes: 1)");
    assert!(f["message"].as_str().unwrap().contains("1 min"));
    assert!(f["help"].as_str().unwrap().len() > 10);
    assert!(f["docs_url"].as_str().unwrap().ends_with("/flutter-periodic-task-under-15-min.md"));
    assert_eq!(v["summary"]["files_analyzed"], 2);
    assert_eq!(v["summary"]["warnings"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn output_file_is_written_whole() {
    let dirty = project(&[("lib/a.dart", BAD_DART.as_bytes())]);
    let o = bglint(&["check", "--format", "json", "--output", "report.json"], dirty.path());
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    let text = std::fs::read_to_string(dirty.path().join("report.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn hostile_files_are_skipped_with_a_note_never_a_panic() {
    let mut huge = String::from("void f() {\n");
    while huge.len() < 300_000 {
        huge.push_str("  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(hours: 1));\n");
    }
    huge.push_str("}\n");
    let dir = project(&[
        ("lib/binary.dart", b"\x00\x01\x02PK\x03\x04 registerPeriodicTask"),
        ("ios/Bad.swift", b"let x = \"\xff\xfe\" // UNTimeIntervalNotificationTrigger"),
        ("lib/huge.dart", huge.as_bytes()),
        ("lib/bad.dart", BAD_DART.as_bytes()),
        ("lib/empty.dart", b""),
        ("lib/crlf.dart", BAD_DART.replace('\n', "\r\n").as_bytes()),
        ("lib/bom.dart", format!("\u{feff}{BAD_DART}").as_bytes()),
    ]);
    let o = bglint(&["check", "--color", "never", "--max-file-size", "200000"], dir.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "the readable bad file still reports: {out}");
    assert!(out.contains("note: skipped lib/binary.dart: looks binary"), "{out}");
    assert!(out.contains("note: skipped ios/Bad.swift: is not valid UTF-8"), "{out}");
    assert!(out.contains("note: skipped lib/huge.dart: is "), "{out}");
    assert!(out.contains("3 files skipped"), "{out}");
    // CRLF and a byte-order mark change neither the finding nor its line and column.
    assert!(out.contains("lib/crlf.dart:2:59"), "{out}");
    assert!(out.contains("lib/bom.dart:2:59"), "{out}");
    assert!(out.contains("in 7 files analysed"), "the empty file is analysed too: {out}");
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}

#[cfg(target_os = "linux")]
#[test]
fn unreadable_file_is_a_note_not_a_crash() {
    // Reading /proc/self/mem from offset 0 fails with EIO, even for root.
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink("/proc/self/mem", dir.path().join("mem.dart")).unwrap();
    let o = bglint(&["check", "--color", "never", "mem.dart"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("note: skipped mem.dart: could not be read"), "{}", stdout(&o));
}

#[test]
fn deeply_nested_and_broken_code_does_not_crash() {
    let depth = 20_000;
    let nested = format!(
        "void f() {{ Workmanager().registerPeriodicTask('p', 'p', frequency: {}Duration(minutes: 1){}); }}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let broken = format!("{BAD_DART}class Half extends {{ void f( {{ \n");
    // Just under the depth limit, the recursive path analysis of the VoIP rule must still fit
    // in a worker's stack (debug builds have the largest frames).
    let n = 490;
    let voip = format!(
        "import CallKit\nfunc pushRegistry(_ r: PKPushRegistry, didReceiveIncomingPushWith p: PKPushPayload, for t: PKPushType, completion: @escaping () -> Void) {{\n{}return\n{}provider.reportNewIncomingCall(with: u, update: x) {{ _ in completion() }}\n}}\n",
        "if a {\n".repeat(n),
        "}\n".repeat(n)
    );
    let dir = project(&[
        ("lib/nested.dart", nested.as_bytes()),
        ("lib/broken.dart", broken.as_bytes()),
        ("ios/Voip.swift", voip.as_bytes()),
    ]);
    let o = bglint(&["check", "--color", "never"], dir.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(2), "a file left unanalysed makes the run incomplete: {out}{}", stderr(&o));
    assert!(out.contains("note: skipped lib/nested.dart: nests "), "{out}");
    assert!(out.contains("analysis incomplete (1 file not analysed)"), "{out}");
    assert!(out.contains("ios/Voip.swift:"), "the near-limit file is analysed: {out}");
    assert!(out.contains("partly unreadable"), "syntax errors are counted: {out}");
    assert!(out.contains("lib/broken.dart has regions the grammar could not read"), "{out}");
    // What did parse is still checked.
    assert!(out.contains("lib/broken.dart:2:59"), "a finding beside a broken region is still reported: {out}");
}

#[test]
fn rules_and_explain_list_every_rule() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let o = bglint(&["rules", "--format", "json"], here);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let ids: Vec<&str> = v.as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in [
        "android-periodic-work-under-15-min",
        "flutter-periodic-task-under-15-min",
        "ios-repeating-notification-under-60s",
        "ios-timer-scheduled-on-background-entry",
        "dart-timer-on-app-pause",
        "dart-background-entrypoint-not-annotated",
        "ios-bgtask-registered-after-launch",
        "ios-background-task-not-ended",
        "ios-voip-push-without-callkit-report",
    ] {
        assert!(ids.contains(&id), "{id} is listed");
        let o = bglint(&["explain", id], here);
        assert_eq!(o.status.code(), Some(0));
        let text = stdout(&o);
        for heading in ["## What", "## Why", "## Instead", "## Sources", "## Bad", "## Good"] {
            assert!(text.contains(heading), "{id}: explain shows {heading}");
        }
        assert!(!text.contains('«'), "markers are stripped");
    }
    let o = bglint(&["rules"], here);
    assert!(stdout(&o).lines().next().unwrap().starts_with("ID"));
}

/// A Flutter project whose iOS side needs `fetch`, so findings show the plist was read.
const WORKMANAGER_DART: &str = "Future<void> s() => Workmanager().registerPeriodicTask('com.example.sync', 'sync');\n";
const PUBSPEC: &str = "name: app\ndependencies:\n  workmanager: ^0.7.0\n";
const PLIST_WITH_IDS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n  \
    <key>BGTaskSchedulerPermittedIdentifiers</key>\n  <array><string>com.example.sync</string></array>\n</dict>\n</plist>\n";

fn findings_of(o: &Output, rule: &str) -> Vec<serde_json::Value> {
    let v: serde_json::Value = serde_json::from_str(&stdout(o)).expect("JSON output");
    v["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).cloned().collect()
}

/// Malformed project files: one `malformed-project-file` finding each, with a position where the
/// parser gives one, while the other files and rules keep working. Nothing panics.
#[test]
fn malformed_project_files_are_one_finding_each_and_the_rest_goes_on() {
    let billion_laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n <!ENTITY lol \"lol\">\n \
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n \
        <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n\
        <manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">&lol3;</manifest>\n";
    let deep_yaml = format!("name: deep\nx: {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let dir = project(&[
        // Flutter app A: a broken plist; its Dart still gets the per-file rules.
        ("a/pubspec.yaml", PUBSPEC.as_bytes()),
        ("a/ios/Runner/Info.plist", b"<plist version=\"1.0\"><dict><key>UIBackgroundModes</key><array></dict></plist>"),
        ("a/lib/sync.dart", b"Future<void> s() => Workmanager().registerPeriodicTask('x', 'x', frequency: const Duration(minutes: 1));\n"),
        // App B: an entity-expansion bomb in the manifest, invalid UTF-8 in the Info.plist.
        ("b/pubspec.yaml", PUBSPEC.as_bytes()),
        ("b/android/app/src/main/AndroidManifest.xml", billion_laughs.as_bytes()),
        ("b/ios/Runner/Info.plist", b"<plist>\xff\xfe</plist>"),
        ("b/lib/main.dart", b"void main() {}\n"),
        // App C: a pubspec nested 100,000 levels deep and a binary plist that is cut short.
        ("c/pubspec.yaml", deep_yaml.as_bytes()),
        ("c/ios/Runner/Info.plist", b"bplist00\xd1\x01\x02"),
        ("c/lib/main.dart", b"void main() {}\n"),
        // App D: healthy, and its cross-file finding must still appear.
        ("d/pubspec.yaml", PUBSPEC.as_bytes()),
        ("d/ios/Runner/Info.plist", PLIST_WITH_IDS.as_bytes()),
        ("d/lib/sync.dart", WORKMANAGER_DART.as_bytes()),
    ]);
    let o = bglint(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    let malformed = findings_of(&o, "malformed-project-file");
    let paths: Vec<&str> = malformed.iter().map(|f| f["path"].as_str().unwrap()).collect();
    for expected in [
        "a/ios/Runner/Info.plist",
        "b/android/app/src/main/AndroidManifest.xml",
        "b/ios/Runner/Info.plist",
        "c/pubspec.yaml",
        "c/ios/Runner/Info.plist",
    ] {
        assert!(paths.iter().any(|p| p.ends_with(expected)), "no finding for {expected}: {paths:?}");
    }
    assert_eq!(malformed.len(), 5, "{malformed:#?}");
    let plist = malformed.iter().find(|f| f["path"].as_str().unwrap().ends_with("a/ios/Runner/Info.plist")).unwrap();
    assert_eq!(plist["start"]["line"], 1);
    assert!(plist["start"]["column"].as_u64().unwrap() > 1, "points where the parser stopped: {plist}");
    let bomb = malformed.iter().find(|f| f["path"].as_str().unwrap().ends_with("AndroidManifest.xml")).unwrap();
    assert!(bomb["message"].as_str().unwrap().contains("DTD"), "{bomb}");
    // Per-file rules still ran on app A, and app D's cross-file rule still joined code and plist.
    assert_eq!(findings_of(&o, "flutter-periodic-task-under-15-min").len(), 1);
    let missing = findings_of(&o, "ios-bgtask-background-mode-missing");
    assert_eq!(missing.len(), 1, "{missing:#?}");
    assert!(missing[0]["path"].as_str().unwrap().ends_with("d/lib/sync.dart"));
    assert!(missing[0]["related"][0]["path"].as_str().unwrap().ends_with("d/ios/Runner/Info.plist"));
    assert_eq!(missing[0]["related"][0]["start"]["line"], 3, "the label points at the plist's <dict>");
}

/// The text report shows both places of a cross-file finding, each with its own code frame.
#[test]
fn cross_file_findings_show_a_frame_in_the_config_file() {
    let dir = project(&[
        ("pubspec.yaml", PUBSPEC.as_bytes()),
        ("ios/Runner/Info.plist", PLIST_WITH_IDS.as_bytes()),
        ("lib/sync.dart", WORKMANAGER_DART.as_bytes()),
    ]);
    let o = bglint(&["check", ".", "--color", "never"], dir.path());
    assert_eq!(o.status.code(), Some(1));
    let text = stdout(&o);
    assert!(text.contains("error[ios-bgtask-background-mode-missing]"), "{text}");
    assert!(text.contains("lib/sync.dart:1:"), "{text}");
    assert!(text.contains("ios/Runner/Info.plist:3:"), "{text}");
    assert!(text.contains("this Info.plist declares no UIBackgroundModes (`fetch` is needed)"), "{text}");
}

/// A binary Info.plist is read too (Xcode can store them that way); its facts have no text to
/// frame, but the rules use them.
#[test]
fn binary_info_plist_facts_are_used() {
    let mut dict = plist::Dictionary::new();
    dict.insert("UIBackgroundModes".into(), plist::Value::Array(vec!["fetch".into()]));
    dict.insert("BGTaskSchedulerPermittedIdentifiers".into(), plist::Value::Array(vec!["com.example.sync".into()]));
    let mut bytes = Vec::new();
    plist::to_writer_binary(&mut bytes, &plist::Value::Dictionary(dict)).unwrap();
    let dir = project(&[
        ("pubspec.yaml", PUBSPEC.as_bytes()),
        ("ios/Runner/Info.plist", &bytes),
        ("lib/sync.dart", WORKMANAGER_DART.as_bytes()),
    ]);
    let o = bglint(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "fetch and the identifier are declared: {}", stdout(&o));
    let o = bglint(&["projects", "."], dir.path());
    assert!(stdout(&o).contains("UIBackgroundModes [fetch]"), "{}", stdout(&o));
}

/// `bglint-ignore` in XML comments silences findings that point into Info.plist and the manifest;
/// stale or misspelt ones are reported; `--require-suppression-reason` makes a bare one an error.
#[test]
fn suppressions_in_config_files_and_code() {
    let plist = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n  <key>UIBackgroundModes</key>\n  <array>\n    \
        <!-- bglint-ignore ios-background-modes-without-matching-api: the call SDK registers PushKit itself -->\n    \
        <string>voip</string>\n    <string>bluetooth-central</string>\n  </array>\n</dict>\n</plist>\n";
    let manifest = "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n  <application>\n    \
        <service android:name=\".Tracker\" android:foregroundServiceType=\"location\" /> <!-- bglint-ignore android-fgs-type-permission-missing: added by our SDK's manifest -->\n  \
        </application>\n</manifest>\n";
    let dart = "void f() {\n  // bglint-ignore dart-timer-on-app-pause: nothing here any more\n  g();\n}\n// bglint-ignore-file flutter-periodic-tasks\n";
    let dir = project(&[
        ("pubspec.yaml", b"name: app\ndependencies:\n  flutter:\n    sdk: flutter\n"),
        ("ios/Runner/Info.plist", plist.as_bytes()),
        (
            "android/app/build.gradle",
            b"apply plugin: 'com.android.application'\nandroid { defaultConfig { targetSdkVersion 34 } }\n",
        ),
        ("android/app/src/main/AndroidManifest.xml", manifest.as_bytes()),
        ("lib/main.dart", dart.as_bytes()),
    ]);
    let o = bglint(&["check", ".", "--format", "json"], dir.path());
    let modes = findings_of(&o, "ios-background-modes-without-matching-api");
    assert_eq!(modes.len(), 1, "voip is silenced, bluetooth-central is not: {modes:#?}");
    assert!(modes[0]["message"].as_str().unwrap().contains("bluetooth-central"));
    assert!(findings_of(&o, "android-fgs-type-permission-missing").is_empty(), "{}", stdout(&o));
    let unused = findings_of(&o, "unused-suppression");
    let messages: Vec<&str> = unused.iter().map(|f| f["message"].as_str().unwrap()).collect();
    assert_eq!(unused.len(), 2, "{messages:#?}");
    assert!(messages.iter().any(|m| m.contains("silences nothing") && m.contains("dart-timer-on-app-pause")));
    assert!(messages.iter().any(|m| m.contains("`flutter-periodic-tasks`, which is not a bglint rule")));
    assert!(unused.iter().all(|f| f["severity"] == "warning"));

    let o = bglint(&["check", ".", "--format", "json", "--require-suppression-reason"], dir.path());
    let unused = findings_of(&o, "unused-suppression");
    assert_eq!(unused.len(), 3, "the file-wide directive has no reason: {unused:#?}");
    assert!(unused.iter().any(|f| f["severity"] == "error" && f["message"].as_str().unwrap().contains("no reason")));
}

/// `--fail-on` decides which severities fail the run; the report itself is the same.
#[test]
fn fail_on_sets_the_failing_severity() {
    // A warning-level finding only.
    let dir = project(&[("lib/a.dart", BAD_DART.as_bytes())]);
    let code = |args: &[&str]| bglint(args, dir.path()).status.code();
    assert_eq!(code(&["check", "."]), Some(1), "warnings fail by default");
    assert_eq!(code(&["check", ".", "--fail-on", "warning"]), Some(1));
    assert_eq!(code(&["check", ".", "--fail-on", "info"]), Some(1));
    assert_eq!(code(&["check", ".", "--fail-on", "error"]), Some(0), "only errors fail");
    let o = bglint(&["check", ".", "--fail-on", "error"], dir.path());
    assert!(stdout(&o).contains("flutter-periodic-task-under-15-min"), "the finding is still reported");
    assert_eq!(code(&["check", ".", "--fail-on", "never"]), Some(2), "unknown values are usage errors");
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs")
        .status
        .success();
    assert!(ok, "git {args:?}");
}

/// `--changed-since` analyses everything but reports only files changed since the ref, including
/// a cross-file finding whose code changed while its Info.plist did not; outside git it is a
/// clear usage error.
#[test]
fn changed_since_reports_only_changed_files() {
    let dir = project(&[
        ("lib/old.dart", BAD_DART.as_bytes()),
        ("pubspec.yaml", PUBSPEC.as_bytes()),
        ("ios/Runner/Info.plist", PLIST_WITH_IDS.as_bytes()),
    ]);
    let o = bglint(&["check", ".", "--changed-since", "HEAD"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not inside a git work tree"), "{}", stderr(&o));

    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(dir.path().join("lib/new.dart"), BAD_DART.replace("schedule", "scheduleMore")).unwrap();
    std::fs::write(dir.path().join("lib/sync.dart"), WORKMANAGER_DART).unwrap();

    let o = bglint(&["check", ".", "--format", "json"], dir.path());
    let all: Vec<String> = findings_of(&o, "flutter-periodic-task-under-15-min")
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(all.len(), 2, "{all:?}");

    let o = bglint(&["check", ".", "--format", "json", "--changed-since", "HEAD"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let periodic = findings_of(&o, "flutter-periodic-task-under-15-min");
    assert_eq!(periodic.len(), 1, "only the new file: {periodic:#?}");
    assert_eq!(periodic[0]["path"], "lib/new.dart");
    let missing = findings_of(&o, "ios-bgtask-background-mode-missing");
    let paths: Vec<&str> = missing.iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["lib/new.dart", "lib/sync.dart"], "the plist was still read; old.dart is not reported");
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let all = v["findings"].as_array().unwrap();
    assert!(all.iter().all(|f| f["path"] != "lib/old.dart"), "{all:#?}");
    let findings = all.len() as u64;
    assert_eq!(v["summary"]["warnings"].as_u64().unwrap() + v["summary"]["errors"].as_u64().unwrap(), findings);

    let o = bglint(&["check", ".", "--changed-since", "no-such-branch"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("`no-such-branch` is not a commit"), "{}", stderr(&o));
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A baseline written on one version of a fixture project, applied to an edited version where
/// code moved and was reformatted, one finding was fixed, and one new (identical) finding was
/// added: exactly the new finding is reported, and the fixed entry is named.
#[test]
fn baseline_survives_moves_and_reports_exactly_the_new_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    copy_tree(&root.join("fixtures/flutter-crossfile"), &app);
    let o = bglint(&["check", "app", "--format", "json", "--write-baseline", "bglint-baseline.json"], dir.path());
    assert_eq!(o.status.code(), Some(0), "everything is in the new baseline: {}", stderr(&o));
    let baseline: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("bglint-baseline.json")).unwrap()).unwrap();
    let entries = baseline["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 8, "{baseline:#}");
    assert!(entries.iter().all(|e| e.get("line").is_none()), "keyed without line numbers");

    // Move the code down and reformat it; duplicate one finding exactly; fix another.
    let sync = app.join("lib/background/sync.dart");
    let text = std::fs::read_to_string(&sync).unwrap();
    let moved = format!(
        "// Timetable sync, moved below a new header.\n\n\n{}",
        text.replace(
            "  await Workmanager().registerProcessingTask(\n    cleanupTask,",
            "  await Workmanager()\n      .registerProcessingTask(cleanupTask,"
        )
    );
    let duplicated = moved.replace(
        "  await Workmanager().registerPeriodicTask(",
        "  await Workmanager().registerPeriodicTask(timetableTask, 'again');\n  await Workmanager().registerPeriodicTask(",
    );
    std::fs::write(&sync, duplicated).unwrap();
    let audio = app.join("lib/audio/announcements.dart");
    let fixed = std::fs::read_to_string(&audio).unwrap().replace("await _keeper.setLoopMode(LoopMode.one);\n", "");
    std::fs::write(&audio, fixed).unwrap();

    let o = bglint(&["check", "app", "--format", "json", "--baseline", "bglint-baseline.json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "ios-bgtask-identifier-not-permitted");
    assert_eq!(findings[0]["path"], "app/lib/background/sync.dart");
    let notes: Vec<&str> = v["notes"].as_array().unwrap().iter().map(|n| n.as_str().unwrap()).collect();
    assert!(notes.iter().any(|n| n.contains("ios-silent-audio-keepalive")), "{notes:?}");
    assert!(notes.iter().any(|n| n.contains("1 baseline entries no longer match")), "{notes:?}");

    let o = bglint(&["check", "app", "--baseline", "missing.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    std::fs::write(dir.path().join("bad.json"), "{\"version\": 1, \"entries\": [{\"rule\": 3}]}").unwrap();
    let o = bglint(&["check", "app", "--baseline", "bad.json"], dir.path());
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a bglint baseline"), "{}", stderr(&o));
}

/// bglint.toml: nearest wins, `extend` inherits, select/ignore by id, platform and category,
/// per-path ignores, excludes, severities and run-wide settings; mistakes are errors with a frame.
#[test]
fn configuration_files_select_rules_per_folder() {
    let two_rules =
        "void f() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n\
        class S with WidgetsBindingObserver {\n  void didChangeAppLifecycleState(AppLifecycleState s) {\n    \
        if (s == AppLifecycleState.paused) { Timer(const Duration(minutes: 5), lock); }\n  }\n}\n";
    let dir = project(&[
        (
            "bglint.toml",
            b"ignore = [\"dart-timer-on-app-pause\"]\n\n[severity]\nflutter-periodic-task-under-15-min = \"error\"\n",
        ),
        ("a/lib/x.dart", two_rules.as_bytes()),
        ("b/bglint.toml", b"extend = \"../bglint.toml\"\nignore = [\"category:periodic-work\"]\n"),
        ("b/lib/x.dart", two_rules.as_bytes()),
        ("c/bglint.toml", b"select = [\"ios\"]\n"),
        ("c/lib/x.dart", two_rules.as_bytes()),
        (
            "d/bglint.toml",
            b"exclude = [\"lib/gen/**\"]\n\n[[per-path]]\npaths = [\"lib/legacy/**\"]\nignore = [\"all\"]\n",
        ),
        ("d/lib/gen/x.dart", two_rules.as_bytes()),
        ("d/lib/legacy/x.dart", two_rules.as_bytes()),
        ("d/lib/x.dart", two_rules.as_bytes()),
    ]);
    let o = bglint(&["check", ".", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let mut got: Vec<(String, String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["path"].as_str().unwrap().to_string(),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    got.sort();
    let category = v["findings"].as_array().unwrap().len();
    assert_eq!(
        got,
        [
            ("a/lib/x.dart".into(), "flutter-periodic-task-under-15-min".into(), "error".into()),
            ("d/lib/x.dart".into(), "dart-timer-on-app-pause".into(), "warning".into()),
            ("d/lib/x.dart".into(), "flutter-periodic-task-under-15-min".into(), "warning".into()),
        ],
        "a: root ignores the timer rule and raises severity; b: extends root and ignores the periodic category; \
         c: selects only iOS rules; d: its own file (nearest wins), gen/ excluded, legacy/ ignores all ({category})"
    );
}

#[test]
fn configuration_mistakes_are_errors_with_a_code_frame() {
    for (toml, expected) in [
        ("selct = [\"all\"]\n", "unknown field `selct`"),
        ("ignore = [\"ios-timers-everywhere\"]\n", "unknown rule or group `ios-timers-everywhere`"),
        ("[severity]\nflutter-periodic-task-under-15-min = \"fatal\"\n", "unknown variant `fatal`"),
        ("assume-target-sdk = 1000\n", "1000 is not an Android API level"),
        ("extend = \"bglint.toml\"\n", "cycle"),
        ("ignore = [\n", "unclosed array"),
    ] {
        let dir = project(&[("bglint.toml", toml.as_bytes()), ("lib/a.dart", BAD_DART.as_bytes())]);
        let o = bglint(&["check", ".", "--color", "never"], dir.path());
        assert_eq!(o.status.code(), Some(2), "{toml}: {}", stdout(&o));
        let err = stderr(&o);
        assert!(err.contains(expected), "{toml}: {err}");
        assert!(err.contains("bglint.toml"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    // A frame points into the file.
    let dir = project(&[("bglint.toml", b"# mine\nselct = [\"all\"]\n"), ("lib/a.dart", BAD_DART.as_bytes())]);
    let err = stderr(&bglint(&["check", ".", "--color", "never"], dir.path()));
    assert!(err.contains("2 │ selct"), "{err}");
}

#[test]
fn init_writes_a_template_that_loads_and_the_schema_is_committed_fresh() {
    let dir = project(&[("lib/a.dart", BAD_DART.as_bytes())]);
    let o = bglint(&["init"], dir.path());
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(dir.path().join("bglint.toml")).unwrap();
    assert!(written.contains("# select = [\"all\"]"));
    assert_eq!(bglint(&["check", "."], dir.path()).status.code(), Some(1), "the template loads and changes nothing");
    assert_eq!(bglint(&["init"], dir.path()).status.code(), Some(2), "never overwrites without --force");
    // Every commented setting in the template is valid when uncommented.
    let uncommented: String = written
        .lines()
        .filter(|l| l.starts_with("# ") && (l.contains(" = ") || l.starts_with("# [")))
        .map(|l| format!("{}\n", &l[2..]))
        .collect();
    std::fs::write(dir.path().join("bglint.toml"), uncommented.replace("extend = \"../bglint.toml\"\n", "")).unwrap();
    let o = bglint(&["check", "."], dir.path());
    assert_ne!(o.status.code(), Some(2), "{}", stderr(&o));

    let schema = stdout(&bglint(&["config-schema"], dir.path()));
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("bglint.schema.json")).unwrap_or_default();
    if std::env::var_os("BGLINT_BLESS").is_some() {
        std::fs::write(Path::new(env!("CARGO_MANIFEST_DIR")).join("bglint.schema.json"), &schema).unwrap();
    } else {
        assert_eq!(committed, schema, "bglint.schema.json is stale; run BGLINT_BLESS=1 cargo test --test cli");
    }
    let v: serde_json::Value = serde_json::from_str(&schema).unwrap();
    assert!(v["properties"]["select"].is_object() && v["properties"]["per-path"].is_object(), "{v:#}");
}

#[test]
fn a_java_only_app_is_analysed() {
    let dir = project(&[
        ("settings.gradle", b"include ':app'\n"),
        ("app/build.gradle", b"apply plugin: 'com.android.application'\nandroid { defaultConfig { targetSdkVersion 34 } }\n"),
        ("app/src/main/AndroidManifest.xml", b"<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"com.example.a\"><application/></manifest>\n"),
        (
            "app/src/main/java/com/example/a/Sync.java",
            b"package com.example.a;\nclass Sync {\n  void go() {\n    new PeriodicWorkRequest.Builder(W.class, 1, TimeUnit.MINUTES).build();\n  }\n}\n",
        ),
        ("app/src/main/java/com/example/a/Plain.java", b"package com.example.a;\nclass Plain {}\n"),
    ]);
    let o = bglint(&["check", "--format", "json"], dir.path());
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["summary"]["files_analyzed"], 2);
    assert_eq!(v["summary"]["files_parsed"], 1, "only the file with a rule keyword is parsed");
    let found = findings_of(&o, "android-periodic-work-under-15-min");
    assert_eq!(found.len(), 1, "{}", stdout(&o));
}

#[test]
fn explicitly_named_files_bglint_does_not_read_are_mentioned() {
    let dir = project(&[
        ("ios/Legacy.m", b"[BGTaskScheduler.sharedScheduler registerForTaskWithIdentifier:@\"x\"];\n"),
        ("tools/gen.py", b"print('x')\n"),
        ("lib/a.dart", GOOD_DART.as_bytes()),
    ]);
    let o = bglint(&["check", "--color", "never", "ios/Legacy.m", "tools/gen.py", "lib/a.dart"], dir.path());
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("note: skipped ios/Legacy.m: is Objective-C, which bglint does not read"), "{out}");
    assert!(out.contains("note: skipped tools/gen.py: is Python, which bglint does not read"), "{out}");
    assert!(out.contains("2 files skipped"), "{out}");
    let o = bglint(&["check", "--format", "json", "ios/Legacy.m"], dir.path());
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["skipped"][0]["path"], "ios/Legacy.m", "{v}");
    assert_eq!(v["summary"]["files_skipped"], 1);
    // Found by walking a folder, the same files are not worth a note.
    let o = bglint(&["check", "--color", "never", "."], dir.path());
    assert!(!stdout(&o).contains("skipped"), "{}", stdout(&o));
}
