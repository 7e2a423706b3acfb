//! Placeholder while the rule is written.
use crate::diagnostics::Finding;
use crate::lang::ParsedFile;

crate::declare_rule! {
    id: "ios-background-task-not-ended",
    platform: Ios,
    languages: [Swift],
    category: "todo",
    severity: Error,
    summary: "todo",
    help: "todo",
    what: "todo",
    why: "todo",
    instead: "todo",
    sources: ["https://developer.apple.com/"],
    fix: None,
    also_reported_by: None,
    keywords: ["zzzzzzzz"],
    bad: [(Swift, "«x»")],
    good: [(Swift, "y")],
    check: check,
}

fn check(_file: &ParsedFile<'_>, _out: &mut Vec<Finding>) {}
