//! `--format xcode`: the `path:line:col: error: message` lines Xcode turns into inline issues when
//! a Run Script build phase prints them.
//!
//! Xcode matches issues to files by absolute path, and each issue must fit on one line.

use std::collections::HashMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

use super::positions::Positions;
use crate::diagnostics::{RunResult, Severity};

pub fn render(result: &RunResult) -> String {
    let mut out = String::new();
    let mut paths = AbsolutePaths::default();
    let mut positions = Positions::default();
    let mut label_positions = Positions::default();
    for d in &result.diagnostics {
        let (at, _) = positions.of(&d.text, &d.span);
        let kind = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "note",
        };
        let _ = writeln!(
            out,
            "{}:{}:{}: {kind}: {} [{}]",
            paths.get(&d.path),
            at.line,
            at.column,
            one_line(&d.message),
            d.rule
        );
        // Notes right after an issue are attached to it, each jumping to its own location.
        for l in &d.labels {
            let (lat, _) = label_positions.of(&l.text, &l.span);
            let _ = writeln!(out, "{}:{}:{}: note: {}", paths.get(&l.path), lat.line, lat.column, one_line(&l.message));
        }
    }
    for (path, reason) in &result.skipped {
        let _ = writeln!(out, "{}: warning: skipped: {}", paths.get(path), one_line(&reason.to_string()));
    }
    out
}

/// Absolute paths, canonical when the file exists, resolved once per file.
#[derive(Default)]
struct AbsolutePaths {
    known: HashMap<PathBuf, String>,
}

impl AbsolutePaths {
    fn get(&mut self, path: &Path) -> &str {
        self.known.entry(path.to_path_buf()).or_insert_with(|| {
            let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| match std::env::current_dir() {
                Ok(cwd) => cwd.join(path),
                Err(_) => path.to_path_buf(),
            });
            super::escape_bytes(&super::os_bytes(&absolute))
        })
    }
}

/// A line break would end the issue early and turn the rest into plain log output.
fn one_line(s: &str) -> String {
    s.replace("\r\n", " ").replace(['\r', '\n'], " ")
}
