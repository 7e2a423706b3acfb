//! `unused-suppression`: a `bglint-ignore` comment that silences nothing, names a rule bglint
//! does not have, or (when reasons are required) gives no reason.
//!
//! The engine produces these findings when it applies suppressions (`src/suppress.rs`); the rule
//! exists so they have an id, a severity, documentation and examples like any other.

crate::declare_rule! {
    id: "unused-suppression",
    platform: Both,
    languages: [],
    config: [],
    category: "suppressions",
    severity: Warning,
    summary: "A bglint-ignore comment that silences nothing or names an unknown rule",
    help: "Remove stale suppressions, spell the rule id as `bglint rules` lists it, put the comment on (or just above) the flagged line, and give a reason after the colon.",
    what: "A `bglint-ignore <rule-id>: <reason>` or `bglint-ignore-file <rule-id>: <reason>` comment (in Dart, Swift or \
Kotlin code, in an Info.plist or AndroidManifest.xml comment, or in a pubspec.yaml comment) that silences no finding, \
or that names a rule id bglint does not have. With `--require-suppression-reason`, a suppression without a reason \
after the colon is reported too, as an error.",
    why: "Suppressions outlive the code they were written for: after a fix or a refactor they silence nothing, and a \
misspelt rule id never silenced anything. Reporting them keeps every suppression meaningful and visible, instead of \
a growing pile of comments nobody dares to remove.",
    instead: "Delete stale suppressions. Write the rule id exactly as `bglint rules` lists it, put the comment at the \
end of the flagged line or on the line before it, and say why the finding does not apply after the colon.",
    sources: ["https://docs.astral.sh/ruff/rules/unused-noqa/"],
    fix: None,
    also_reported_by: None,
    keywords: [],
    signals: [],
    bad: [],
    good: [],
    bad_projects: [
        [("lib/sync.dart", "void schedule() {\n  // «bglint-ignore flutter-periodic-task-under-15-min: hourly is fine»\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(hours: 1));\n}\n")],
        [("lib/sync.dart", "void schedule() {\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1)); // «bglint-ignore flutter-periodic-tasks: typo»\n}\n")],
    ],
    good_projects: [
        [("lib/sync.dart", "void schedule() {\n  // bglint-ignore flutter-periodic-task-under-15-min: Android-only debug build, measured\n  Workmanager().registerPeriodicTask('p', 'p', frequency: const Duration(minutes: 1));\n}\n")],
    ],
    check: None,
    project_check: None,
}
