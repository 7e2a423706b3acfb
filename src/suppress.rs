//! `bglint-ignore` comments: silencing one finding where it is, visibly and with a reason.
//!
//! ```text
//! // bglint-ignore <rule-id>[, <rule-id>…]: <reason>     on the line before a finding, or at the end of its line
//! // bglint-ignore-file <rule-id>[, …]: <reason>          anywhere in the file: the whole file
//! ```
//!
//! The same works in `/* … */` comments, in XML comments (`<!-- bglint-ignore … -->`, for findings
//! in Info.plist or AndroidManifest.xml) and in YAML comments (`# bglint-ignore …`, pubspec.yaml).
//! A directive that silences nothing, or names a rule bglint does not have, is itself reported,
//! so stale suppressions do not pile up unnoticed.

use crate::source::Span;

/// The text that marks a directive; files without it are not scanned further.
pub const MARKER: &str = "bglint-ignore";

/// One `bglint-ignore` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// The directive text, from `bglint-ignore` to the end of the comment.
    pub span: Span,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub scope: Scope,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Findings that start on this (0-based) line.
    Line(usize),
    File,
}

/// The comment openers of a file kind, by extension.
fn comment_openers(path: &std::path::Path) -> &'static [&'static str] {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "dart" | "swift" | "kt" | "kts" | "java" | "gradle" => &["//", "/*"],
        "plist" | "xml" | "entitlements" => &["<!--"],
        "yaml" | "yml" | "toml" | "properties" => &["#"],
        _ => &[],
    }
}

/// Every directive in a file's text. A directive counts only inside a comment: the marker must
/// follow a comment opener on its line (a string that merely mentions it does not count when
/// no opener precedes it).
pub fn directives(path: &std::path::Path, text: &str) -> Vec<Directive> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let openers = comment_openers(path);
    let mut found = Vec::new();
    // Lines as the reporters count them: `\n`, `\r\n` and a lone `\r` end a line.
    let index = crate::source::LineIndex::new(text);
    let (starts, all_lines): (Vec<usize>, Vec<&str>) = (0..index.line_count())
        .map(|n| {
            let range = index.line_range(text, n);
            (range.start, &text[range])
        })
        .unzip();
    for (number, line) in all_lines.iter().enumerate() {
        let line_start = starts[number];
        let Some(at) = line.find(MARKER) else { continue };
        let Some(opener_at) = openers.iter().filter_map(|o| line[..at].rfind(o)).max() else { continue };
        let after = &line[at + MARKER.len()..];
        let (file_wide, rest) = match after.strip_prefix("-file") {
            Some(rest) => (true, rest),
            None => (false, after),
        };
        // `bglint-ignored` or `bglint-ignore-foo` are not directives.
        if !rest.starts_with([' ', '\t', ':']) && !rest.is_empty() {
            continue;
        }
        let body = rest.trim_end().trim_end_matches("-->").trim_end_matches("*/").trim();
        let (ids, reason) = match body.split_once(':') {
            Some((ids, reason)) => (ids, Some(reason.trim()).filter(|r| !r.is_empty()).map(str::to_string)),
            None => (body, None),
        };
        let rules: Vec<String> =
            ids.split([',', ' ']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect();
        let end = line_start + line.trim_end().len();
        let span = line_start + at..end.max(line_start + at + MARKER.len());
        let scope = if file_wide {
            Scope::File
        } else if line[..opener_at].trim().is_empty() {
            // On a line of its own: the next line that is neither blank nor another comment.
            let target = (number + 1..all_lines.len()).find(|&n| !is_blank_or_comment(all_lines[n].trim()));
            Scope::Line(target.unwrap_or(number + 1))
        } else {
            Scope::Line(number)
        };
        found.push(Directive { span, rules, reason, scope });
    }
    found
}

/// A line holding nothing but a comment (a block comment followed by code is code).
fn is_blank_or_comment(line: &str) -> bool {
    line.is_empty()
        || line.starts_with("//")
        || line.starts_with('#')
        || (line.starts_with("/*") && line.ends_with("*/"))
        || (line.starts_with("<!--") && line.ends_with("-->"))
}

impl Directive {
    /// Whether this directive silences a finding of `rule` starting on (0-based) `line`.
    pub fn covers(&self, rule: &str, line: usize) -> bool {
        self.rules.iter().any(|r| r == rule)
            && match self.scope {
                Scope::File => true,
                Scope::Line(l) => l == line,
            }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn old_mac_line_endings_count_lines_as_reporters_do() {
        for eol in ["\r", "\r\n", "\n"] {
            let text = ["a();", "// bglint-ignore rule-a: why", "b();"].join(eol);
            let found = directives(Path::new("x.kt"), &text);
            assert_eq!(found.len(), 1, "{eol:?}");
            assert_eq!(found[0].scope, Scope::Line(2), "{eol:?}");
            assert_eq!(&text[found[0].span.clone()], "bglint-ignore rule-a: why", "{eol:?}");
        }
    }

    #[test]
    fn directive_forms() {
        let text = "a();\n// bglint-ignore rule-a: measured on purpose\nb();\nc(); // bglint-ignore rule-b, rule-c: why\n/* bglint-ignore-file rule-d */\n";
        let found = directives(Path::new("x.dart"), text);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].rules, ["rule-a"]);
        assert_eq!(found[0].reason.as_deref(), Some("measured on purpose"));
        assert_eq!(found[0].scope, Scope::Line(2));
        assert_eq!(&text[found[0].span.clone()], "bglint-ignore rule-a: measured on purpose");
        assert_eq!(found[1].rules, ["rule-b", "rule-c"]);
        assert_eq!(found[1].scope, Scope::Line(3));
        assert_eq!(found[2].scope, Scope::File);
        assert_eq!(found[2].reason, None);
        assert!(found[2].covers("rule-d", 99));
    }

    #[test]
    fn only_in_comments_of_the_file_kind() {
        assert!(directives(Path::new("x.dart"), "var s = 'bglint-ignore rule-a';\n").is_empty());
        assert!(directives(Path::new("x.dart"), "// bglint-ignored rule-a\n").is_empty());
        let xml = "<array>\n  <!-- bglint-ignore ios-background-modes-without-matching-api: SDK uses it -->\n  <string>voip</string>\n";
        let found = directives(Path::new("Info.plist"), xml);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].scope, Scope::Line(2));
        assert_eq!(found[0].reason.as_deref(), Some("SDK uses it"));
        let yaml = "dependencies:\n  # bglint-ignore some-rule: reason\n  workmanager: ^0.7.0\n";
        assert_eq!(directives(Path::new("pubspec.yaml"), yaml)[0].scope, Scope::Line(2));
        // A directive above a blank line and another comment applies to the code after them.
        let skip = "// bglint-ignore r: x\n\n// why\n/* and */\ncall();\n";
        assert_eq!(directives(Path::new("a.swift"), skip)[0].scope, Scope::Line(4));
        // A line that starts with a block comment but goes on with code is the target.
        let inline = "// bglint-ignore r: x\n/* note */ call();\n";
        assert_eq!(directives(Path::new("a.swift"), inline)[0].scope, Scope::Line(1));
    }
}

/// What applying a file's directives left: the directives (with which rule ids were used) so
/// the caller can report the ones that silenced nothing.
#[derive(Debug, Clone)]
pub struct Applied {
    pub directive: Directive,
    /// Per entry of `directive.rules`: whether it silenced a finding.
    pub used: Vec<bool>,
}

/// Removes the findings a file's directives cover. `line_of` maps a finding's start byte to its
/// 0-based line. Returns every directive with the ids it used.
pub fn apply<T>(
    findings: &mut Vec<T>,
    directives: Vec<Directive>,
    rule_of: impl Fn(&T) -> &str,
    line_of: impl Fn(&T) -> usize,
) -> Vec<Applied> {
    let mut applied: Vec<Applied> =
        directives.into_iter().map(|d| Applied { used: vec![false; d.rules.len()], directive: d }).collect();
    findings.retain(|f| {
        let (rule, line) = (rule_of(f), line_of(f));
        let mut silenced = false;
        for a in applied.iter_mut() {
            if a.directive.covers(rule, line) {
                if let Some(i) = a.directive.rules.iter().position(|r| r == rule) {
                    a.used[i] = true;
                }
                silenced = true;
            }
        }
        !silenced
    });
    applied
}
