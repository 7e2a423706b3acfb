//! `--format checkstyle`: Checkstyle XML, the lowest common denominator of CI code-report plugins
//! (Jenkins Warnings, reviewdog, Danger, many IDE importers).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::display_path;
use super::positions::Positions;
use super::xml::escape_attr;
use crate::diagnostics::{Diagnostic, RunResult};

pub fn render(result: &RunResult) -> String {
    // One <file> per path, sorted, whatever order the diagnostics came in.
    let mut by_file: BTreeMap<String, Vec<&Diagnostic>> = BTreeMap::new();
    for d in &result.diagnostics {
        by_file.entry(display_path(&d.path)).or_default().push(d);
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<checkstyle version=\"4.3\">\n");
    let mut positions = Positions::default();
    for (path, diagnostics) in &by_file {
        let _ = writeln!(out, "  <file name=\"{}\">", escape_attr(path));
        for d in diagnostics {
            let (start, _) = positions.of(&d.text, &d.span);
            let _ = writeln!(
                out,
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"bglint.{}\"/>",
                start.line,
                start.column,
                d.severity.as_str(),
                escape_attr(&d.message),
                escape_attr(d.rule),
            );
        }
        out.push_str("  </file>\n");
    }
    out.push_str("</checkstyle>\n");
    out
}
