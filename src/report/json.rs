//! `--format json`: one stable, documented shape (see README "JSON output").
//!
//! Version 1. Fields are only ever added, never renamed or removed, within a version.

use serde::Serialize;

use super::display_path;
use crate::diagnostics::{RunResult, Summary};
use crate::source::{LineCol, LineIndex};

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
    let mut index: Option<(&std::path::Path, LineIndex)> = None;
    for d in &result.diagnostics {
        if index.as_ref().is_none_or(|(p, _)| *p != d.path.as_path()) {
            index = Some((d.path.as_path(), LineIndex::new(&d.text)));
        }
        let lines = &index.as_ref().expect("set above").1;
        findings.push(JsonFinding {
            rule: d.rule,
            severity: d.severity.as_str(),
            path: display_path(&d.path),
            start: lines.position(&d.text, d.span.start),
            end: lines.position(&d.text, d.span.end),
            byte_range: ByteRange { start: d.span.start, end: d.span.end },
            message: &d.message,
            help: &d.help,
            docs_url: &d.docs_url,
            related: d
                .labels
                .iter()
                .map(|l| {
                    let other = LineIndex::new(&l.text);
                    Related {
                        path: display_path(&l.path),
                        start: other.position(&l.text, l.span.start),
                        end: other.position(&l.text, l.span.end),
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
