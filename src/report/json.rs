//! `--format json`: one stable, documented shape (see README "JSON output").
//!
//! Version 1. Fields are only ever added, never renamed or removed, within a version.

use serde::Serialize;

use super::display_path;
use super::positions::Positions;
use crate::diagnostics::{RunResult, Summary};
use crate::source::LineCol;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    findings: Vec<JsonFinding<'a>>,
    skipped: Vec<Skipped>,
    partly_unreadable: Vec<String>,
    notes: &'a [String],
    summary: &'a Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct ByteRange {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    path: String,
    start: LineCol,
    end: LineCol,
    byte_range: ByteRange,
    message: &'a str,
    help: &'a str,
    docs_url: &'a str,
    related: Vec<Related<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct Related<'a> {
    path: String,
    start: LineCol,
    end: LineCol,
    byte_range: ByteRange,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    description: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    byte_range: ByteRange,
    replacement: &'a str,
}

#[derive(Serialize)]
struct Skipped {
    path: String,
    reason: String,
}

pub fn render(result: &RunResult) -> String {
    let mut findings = Vec::with_capacity(result.diagnostics.len());
    // One line index per file, for findings and related locations alike.
    let mut positions = Positions::default();
    for d in &result.diagnostics {
        let (start, end) = positions.of(&d.text, &d.span);
        findings.push(JsonFinding {
            rule: d.rule,
            severity: d.severity.as_str(),
            path: display_path(&d.path),
            start,
            end,
            byte_range: ByteRange { start: d.span.start, end: d.span.end },
            message: &d.message,
            help: &d.help,
            docs_url: &d.docs_url,
            related: d
                .labels
                .iter()
                .map(|l| {
                    let (start, end) = positions.of(&l.text, &l.span);
                    Related {
                        path: display_path(&l.path),
                        start,
                        end,
                        byte_range: ByteRange { start: l.span.start, end: l.span.end },
                        message: &l.message,
                    }
                })
                .collect(),
            fix: d.fix.as_ref().map(|f| JsonFix {
                description: &f.description,
                edits: f
                    .edits
                    .iter()
                    .map(|e| JsonEdit {
                        byte_range: ByteRange { start: e.span.start, end: e.span.end },
                        replacement: &e.replacement,
                    })
                    .collect(),
            }),
        });
    }
    let report = Report {
        version: 1,
        tool: Tool { name: "bglint", version: env!("CARGO_PKG_VERSION") },
        findings,
        skipped: result.skipped.iter().map(|(p, r)| Skipped { path: display_path(p), reason: r.to_string() }).collect(),
        partly_unreadable: result.syntax_error_files.iter().map(|p| display_path(p)).collect(),
        notes: &result.notes,
        summary: &result.summary,
    };
    serde_json::to_string_pretty(&report).expect("JSON report serializes")
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::diagnostics::{Diagnostic, Label, Severity};

    /// Related locations share one line index per file. Rebuilding it per location (as this
    /// reporter once did) scans the 2 MB text 20,000 times — 40 GB of work, minutes — so a
    /// regression shows as a test that never ends; the numbers are in README "Benchmark".
    #[test]
    fn many_related_locations_reuse_one_line_index() {
        let line = "    val x = compute(a, b)\n";
        let text: Arc<str> = line.repeat(2_000_000 / line.len()).into();
        let labels: Vec<Label> = (0..20_000)
            .map(|i| {
                let at = (i * 97) % (text.len() - 10);
                Label { path: "a.kt".into(), text: text.clone(), span: at..at + 3, message: "here".into() }
            })
            .collect();
        let d = Diagnostic {
            rule: "some-rule",
            severity: Severity::Warning,
            path: "a.kt".into(),
            text: text.clone(),
            span: 4..7,
            message: "m".into(),
            help: String::new(),
            docs_url: String::new(),
            labels,
            fix: None,
            context: String::new(),
        };
        let result = RunResult { diagnostics: vec![d], ..RunResult::default() };
        let v: serde_json::Value = serde_json::from_str(&render(&result)).unwrap();
        let related = v["findings"][0]["related"].as_array().unwrap();
        assert_eq!(related.len(), 20_000);
        let at = 5 * 97;
        assert_eq!(related[5]["start"]["line"], at / line.len() + 1);
        assert_eq!(related[5]["start"]["column"], at % line.len() + 1);
    }
}
