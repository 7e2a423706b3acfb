//! `--format github`: GitHub Actions workflow commands (`::error file=…,line=…::message`), which
//! the runner turns into annotations on the pull request diff and the run summary.
//!
//! Escaping follows the runner's parser (actions/runner `ActionCommand.cs`): in the data `%`, CR
//! and LF are percent-encoded; in property values `:` and `,` too, since those delimit the
//! command and its properties.

use std::fmt::Write;

use super::display_path;
use super::positions::Positions;
use crate::diagnostics::{RunResult, Severity};

pub fn render(result: &RunResult) -> String {
    let mut out = String::new();
    let mut positions = Positions::default();
    let mut label_positions = Positions::default();
    for d in &result.diagnostics {
        let (start, end) = positions.of(&d.text, &d.span);
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = vec![("file", display_path(&d.path)), ("line", start.line.to_string())];
        // The runner drops both columns when the lines differ, so send them only when they count.
        if start.line == end.line {
            props.push(("col", start.column.to_string()));
        }
        props.push(("endLine", end.line.to_string()));
        if start.line == end.line {
            props.push(("endColumn", end.column.to_string()));
        }
        props.push(("title", d.rule.to_string()));
        // An annotation has one location and one text box: related locations, help and docs go
        // on lines of their own in the message.
        let mut data = d.message.clone();
        for l in &d.labels {
            let (at, _) = label_positions.of(&l.text, &l.span);
            let _ = write!(data, "\nnote: {}:{}:{}: {}", display_path(&l.path), at.line, at.column, l.message);
        }
        let _ = write!(data, "\nhelp: {}\ndocs: {}", d.help, d.docs_url);
        command_line(&mut out, command, &props, &data);
    }
    for (path, reason) in &result.skipped {
        command_line(&mut out, "warning", &[("file", display_path(path))], &format!("skipped: {reason}"));
    }
    for path in &result.syntax_error_files {
        command_line(
            &mut out,
            "notice",
            &[("file", display_path(path))],
            "this file has regions the grammar could not read; findings there may be incomplete",
        );
    }
    out
}

fn command_line(out: &mut String, command: &str, props: &[(&str, String)], data: &str) {
    out.push_str("::");
    out.push_str(command);
    for (i, (name, value)) in props.iter().enumerate() {
        out.push(if i == 0 { ' ' } else { ',' });
        out.push_str(name);
        out.push('=');
        out.push_str(&escape_property(value));
    }
    out.push_str("::");
    out.push_str(&escape_data(data));
    out.push('\n');
}

/// The message after the final `::`. `%` first, so the escapes added after it are not re-escaped.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A `name=value` property: additionally `:` (which would end the properties) and `,` (which
/// separates them).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("100% a:b,c\r\nd"), "100%25 a%3Ab%2Cc%0D%0Ad");
        // An already-escaped-looking input must survive a round trip.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
