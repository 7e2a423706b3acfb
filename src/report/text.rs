//! Human output: a code frame per finding (codespan-reporting), then one summary line.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label as CsLabel, Severity as CsSeverity};
use codespan_reporting::term::{self, termcolor::WriteColor};

use std::collections::HashMap;

use super::display_path;
use super::frames::FrameFiles;
use crate::diagnostics::RunResult;
use crate::diagnostics::Severity;

pub fn render(result: &RunResult, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let config = term::Config::default();
    // Every span each file's frames will show, so long lines keep windows around them.
    let mut offsets: HashMap<&std::path::Path, Vec<usize>> = HashMap::new();
    for d in &result.diagnostics {
        offsets.entry(&d.path).or_default().extend([d.span.start, d.span.end]);
        for l in &d.labels {
            offsets.entry(&l.path).or_default().extend([l.span.start, l.span.end]);
        }
    }
    let mut files = FrameFiles::default();
    let file_id = |path: &std::path::Path, text: &std::sync::Arc<str>, files: &mut FrameFiles| {
        files.add(path, display_path(path), text, offsets.get(path).map_or(&[][..], Vec::as_slice))
    };
    for d in &result.diagnostics {
        let id = file_id(&d.path, &d.text, &mut files);
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Info => CsSeverity::Note,
        };
        let mut labels = vec![CsLabel::primary(id, files.map(id, &d.span))];
        for l in &d.labels {
            // A label may point into another file (the Info.plist or manifest of a cross-file finding).
            let label_file = file_id(&l.path, &l.text, &mut files);
            labels.push(CsLabel::secondary(label_file, files.map(label_file, &l.span)).with_message(l.message.clone()));
        }
        let diag = CsDiagnostic::new(severity)
            .with_code(d.rule)
            .with_message(&d.message)
            .with_labels(labels)
            .with_notes(vec![format!("help: {}", d.help), format!("docs: {}", d.docs_url)]);
        term::emit_to_write_style(out, &config, &files, &diag).map_err(std::io::Error::other)?;
    }
    for note in &result.notes {
        writeln!(out, "note: {note}")?;
    }
    for (path, reason) in &result.skipped {
        writeln!(out, "note: skipped {}: {reason}", display_path(path))?;
    }
    for path in &result.syntax_error_files {
        writeln!(
            out,
            "note: {} has regions the grammar could not read; findings there may be incomplete",
            display_path(path)
        )?;
    }
    writeln!(out, "{}", summary_line(result))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn summary_line(result: &RunResult) -> String {
    let s = &result.summary;
    let total = s.errors + s.warnings + s.infos;
    let findings = if total == 0 {
        "No findings".to_string()
    } else {
        format!(
            "Found {}: {}, {}, {}",
            plural(total, "problem"),
            plural(s.errors, "error"),
            plural(s.warnings, "warning"),
            plural(s.infos, "info")
        )
    };
    let mut line = format!("{findings} in {} analysed ({} parsed)", plural(s.files_analyzed, "file"), s.files_parsed);
    if s.files_skipped > 0 {
        line.push_str(&format!(", {} skipped", plural(s.files_skipped, "file")));
    }
    if s.files_incomplete > 0 {
        line.push_str(&format!(", analysis incomplete ({} not analysed)", plural(s.files_incomplete, "file")));
    }
    if s.files_with_syntax_errors > 0 {
        line.push_str(&format!(", {} partly unreadable", plural(s.files_with_syntax_errors, "file")));
    }
    if s.test_files_excluded > 0 {
        line.push_str(&format!(
            ", {} left out (--include-tests to check them)",
            plural(s.test_files_excluded, "test file")
        ));
    }
    line.push_str(&format!(" in {:.2}s.", s.elapsed.as_secs_f64()));
    line
}

/// A problem with an input bglint was given (a bad bglint.toml): one error with a code frame
/// when there is a position, else one line.
pub fn render_problem(
    path: &std::path::Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: &str,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let mut files = codespan_reporting::files::SimpleFiles::new();
    let id = files.add(display_path(path), text.to_string());
    let mut diag = CsDiagnostic::error().with_message(format!("{}: {message}", display_path(path)));
    if let Some(span) = span.filter(|s| s.end <= text.len()) {
        diag = diag.with_labels(vec![CsLabel::primary(id, span)]);
    }
    term::emit_to_write_style(out, &term::Config::default(), &files, &diag).map_err(std::io::Error::other)
}
