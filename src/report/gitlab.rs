//! `--format gitlab`: a GitLab Code Quality report (the subset of the Code Climate issue format
//! GitLab reads), for `artifacts: reports: codequality:` so findings show in merge requests.
//!
//! GitLab compares reports between branches by `fingerprint`, so it must not depend on the line
//! (see `fingerprint.rs`) and must be unique within a report (GitLab shows one issue per value).

use serde::Serialize;

use super::display_path;
use super::fingerprint;
use super::positions::Positions;
use crate::diagnostics::{RunResult, Severity};
use crate::source::LineCol;

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    check_name: &'a str,
    description: &'a str,
    content: Content,
    categories: [&'static str; 1],
    severity: &'static str,
    fingerprint: String,
    location: Location,
}

#[derive(Serialize)]
struct Content {
    body: String,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
    positions: Span,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

#[derive(Serialize)]
struct Span {
    begin: LineCol,
    end: LineCol,
}

pub fn render(result: &RunResult) -> String {
    let fingerprints = fingerprint::unique_per_run(result);
    let mut positions = Positions::default();
    let issues: Vec<Issue> = result
        .diagnostics
        .iter()
        .zip(fingerprints)
        .map(|(d, fingerprint)| {
            let (begin, end) = positions.of(&d.text, &d.span);
            Issue {
                kind: "issue",
                check_name: d.rule,
                description: &d.message,
                // Markdown, shown when the issue is expanded.
                content: Content { body: format!("{}\n\n{}", d.help, d.docs_url) },
                categories: ["Bug Risk"],
                // GitLab's scale is info, minor, major, critical, blocker.
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                fingerprint,
                location: Location {
                    path: display_path(&d.path),
                    lines: Lines { begin: begin.line, end: end.line },
                    positions: Span { begin, end },
                },
            }
        })
        .collect();
    serde_json::to_string_pretty(&issues).expect("GitLab report serializes")
}
