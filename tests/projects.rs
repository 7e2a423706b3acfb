//! Each fixture project, as a user sees it: text and JSON output, snapshotted with insta.
//! Review changes with `cargo insta review` (or set INSTA_UPDATE=always and read the diff).

use std::path::Path;
use std::process::Command;

fn run(project: &str, format: &str) -> (i32, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(env!("CARGO_BIN_EXE_bglint"))
        .args(["check", &format!("fixtures/{project}"), "--format", format, "--color", "never"])
        .current_dir(root)
        .output()
        .expect("bglint runs");
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap())
}

/// The elapsed time is the only unstable part of the output.
fn stable_text(text: &str) -> String {
    text.lines()
        .map(|l| match l.rfind(" in ") {
            Some(i) if l.ends_with("s.") && (l.starts_with("Found") || l.starts_with("No findings")) => {
                format!("{} in [elapsed].", &l[..i])
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn stable_json(text: &str) -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(text).expect("valid JSON");
    v["summary"]["elapsed"] = serde_json::Value::from(0);
    v
}

fn rules_fired(json: &serde_json::Value) -> Vec<String> {
    let mut ids: Vec<String> =
        json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Runs a fixture project in both formats: findings exit 1, exactly `rules` fire, and the
/// text and JSON output match their snapshots.
fn check_project(project: &str, rules: &[&str]) {
    let (code, text) = run(project, "text");
    assert_eq!(code, 1);
    insta::assert_snapshot!(format!("{}_text", project.replace('-', "_")), stable_text(&text));
    let (_, json) = run(project, "json");
    let json = stable_json(&json);
    assert_eq!(rules_fired(&json), rules);
    insta::assert_json_snapshot!(format!("{}_json", project.replace('-', "_")), json);
}

#[test]
fn ios_app() {
    check_project(
        "ios-app",
        &[
            "ios-background-location-without-mode",
            "ios-background-modes-without-matching-api",
            "ios-background-task-not-ended",
            "ios-bgtask-identifier-not-permitted",
            "ios-bgtask-registered-after-launch",
            "ios-repeating-notification-under-60s",
            "ios-silent-audio-keepalive",
            "ios-timer-scheduled-on-background-entry",
            "ios-voip-push-without-callkit-report",
        ],
    );
}

#[test]
fn android_app() {
    check_project(
        "android-app",
        &[
            "android-fgs-type-not-declared",
            "android-fgs-type-permission-missing",
            "android-periodic-work-under-15-min",
            "exact-alarm-permission-not-declared",
        ],
    );
}

/// A Java-only app: the same Android rules as the Kotlin app, each beside correct code for the
/// same API that stays silent.
#[test]
fn android_java() {
    check_project(
        "android-java",
        &["android-fgs-type-not-declared", "android-periodic-work-under-15-min", "exact-alarm-permission-not-declared"],
    );
}

#[test]
fn flutter_app() {
    check_project(
        "flutter-app",
        &[
            "dart-background-entrypoint-not-annotated",
            "dart-timer-on-app-pause",
            "flutter-periodic-task-under-15-min",
            "ios-bgtask-identifier-not-permitted",
            "ios-repeating-notification-under-60s",
            "ios-timer-scheduled-on-background-entry",
        ],
    );
}

/// The cross-file rules in one Flutter app: Dart calls joined with ios/Runner/Info.plist,
/// android/app/src/main/AndroidManifest.xml, android/app/build.gradle.kts and pubspec.yaml.
#[test]
fn flutter_crossfile() {
    check_project(
        "flutter-crossfile",
        &[
            "android-fgs-type-not-declared",
            "android-fgs-type-permission-missing",
            "exact-alarm-permission-not-declared",
            "ios-background-location-without-mode",
            "ios-background-modes-without-matching-api",
            "ios-bgtask-background-mode-missing",
            "ios-bgtask-identifier-not-permitted",
            "ios-silent-audio-keepalive",
        ],
    );
}

/// The same app with each mistake corrected (plist, manifest and code): nothing fires.
#[test]
fn flutter_crossfile_fixed() {
    let (code, text) = run("flutter-crossfile-fixed", "text");
    assert_eq!(code, 0, "{text}");
    insta::assert_snapshot!("flutter_crossfile_fixed_text", stable_text(&text));
    let (code, json) = run("flutter-crossfile-fixed", "json");
    assert_eq!(code, 0);
    assert!(rules_fired(&stable_json(&json)).is_empty());
}
