//! `malformed-project-file`: an Info.plist, entitlements file, AndroidManifest.xml, Gradle
//! version catalog or pubspec.yaml that bglint could not read.
//!
//! One finding per file, where the parser stopped when it says. The file's facts are missing,
//! so cross-file rules that need them stay silent; every other rule keeps working.

use crate::project::model::Project;
use crate::rules::{ProjectCode, ProjectFinding};

crate::declare_rule! {
    id: "malformed-project-file",
    platform: Both,
    languages: [],
    config: [InfoPlist, Entitlements, Manifest, Gradle, Pubspec],
    category: "project",
    severity: Warning,
    summary: "A project file (Info.plist, manifest, pubspec.yaml, …) could not be read",
    help: "Fix the file so it parses (Xcode, Gradle and Flutter will reject it too); until then bglint cannot check what it declares.",
    what: "An Info.plist, `*.entitlements`, AndroidManifest.xml, `gradle/libs.versions.toml` or pubspec.yaml that \
is not well-formed: broken XML, a property list whose top level is not a dictionary, invalid YAML or TOML, text \
that is not UTF-8, or XML that declares entities (refused, so an entity-expansion bomb cannot exhaust memory).",
    why: "The build tools reject these files too, usually with a less precise message. bglint also needs them: \
without a readable Info.plist or manifest, the cross-file rules cannot tell which background modes, task \
identifiers, services and permissions the app declares, and they stay silent rather than guess.",
    instead: "Fix the syntax at the reported position. Plists can be checked with `plutil -lint`, YAML with any YAML \
linter, and manifests by building the app.",
    sources: [
        "https://developer.apple.com/documentation/bundleresources/information-property-list",
        "https://developer.android.com/guide/topics/manifest/manifest-intro",
        "https://dart.dev/tools/pub/pubspec",
    ],
    fix: None,
    also_reported_by: None,
    keywords: [],
    signals: [],
    bad: [],
    good: [],
    bad_projects: [
        [
            ("pubspec.yaml", "name: broken\ndependencies:\n  workmanager: ^0.7.0\n"),
            ("android/app/src/main/AndroidManifest.xml", "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n    <application>\n    «<»/manifest>\n"),
            ("lib/main.dart", "void main() {}\n"),
        ],
    ],
    good_projects: [
        [
            ("pubspec.yaml", "name: fine\ndependencies:\n  workmanager: ^0.7.0\n"),
            ("android/app/src/main/AndroidManifest.xml", "<manifest xmlns:android=\"http://schemas.android.com/apk/res/android\">\n    <application />\n</manifest>\n"),
            ("lib/main.dart", "void main() {}\n"),
        ],
    ],
    check: None,
    project_check: Some(check),
}

fn check(project: &Project, _code: &ProjectCode<'_>, out: &mut Vec<ProjectFinding>) {
    for problem in &project.problems {
        // A parser reports a position; show the character there so the frame has something to mark.
        let mut span = problem.error.span.clone().unwrap_or(0..0);
        if span.is_empty() {
            if let Some(c) = problem.file.text.get(span.start..).and_then(|rest| rest.chars().next()) {
                span.end = span.start + c.len_utf8();
            }
        }
        let name = problem.file.path.file_name().and_then(|n| n.to_str()).unwrap_or("this file");
        out.push(ProjectFinding::in_config(
            &problem.file,
            span,
            format!("{name} could not be read: {}", problem.error.message),
        ));
    }
}
