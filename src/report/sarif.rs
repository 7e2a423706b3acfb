//! `--format sarif`: SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! Regions are 1-based lines and columns counted in Unicode code points (`run.columnKind`),
//! the same positions `--format json` reports. Paths are the display paths as relative URI
//! references against `%SRCROOT%` (percent-encoded), or `file://` URIs when outside the working
//! directory. Each result carries the run's shared fingerprint (see `fingerprint`: rule id, path
//! and flagged text with whitespace collapsed) under `partialFingerprints`, so moving code does
//! not change it.

use std::collections::HashMap;

use serde::Serialize;

use super::positions::Positions;
use super::{display_path, fingerprint};
use crate::diagnostics::{Diagnostic, RunResult, Severity};
use crate::source::{LineCol, SkipReason, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/bglint/bglint";
const SRCROOT: &str = "%SRCROOT%";
const FINGERPRINT_KEY: &str = "bglintFingerprint/v1";
/// Snippets longer than this are left out: the region still says where the finding is.
const MAX_SNIPPET_BYTES: usize = 4096;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    invocations: Vec<Invocation>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor<'a> {
    id: &'a str,
    name: String,
    short_description: Message<'a>,
    full_description: Message<'a>,
    help: MultiformatMessage<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<&'a str>,
    default_configuration: Configuration,
    properties: Properties,
}

#[derive(Serialize)]
struct Message<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct OwnedMessage {
    text: String,
}

#[derive(Serialize)]
struct MultiformatMessage<'a> {
    text: &'a str,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Properties {
    tags: [&'static str; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Message<'a>,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: HashMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation<'a> {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region<'a> {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Message<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Message<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region<'a>,
    inserted_content: Message<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: OwnedMessage,
    locations: [NotificationLocation; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationLocation {
    physical_location: NotificationPhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotificationPhysicalLocation {
    artifact_location: ArtifactLocation,
}

pub fn render(result: &RunResult) -> String {
    let (rules, rule_index) = descriptors(result);
    let mut results = Vec::with_capacity(result.diagnostics.len());
    let fingerprints = fingerprint::unique_per_run(result);
    // One cache for the findings' files and one for their labels' (often another file).
    let mut positions = Positions::default();
    let mut label_positions = Positions::default();
    for (d, fingerprint) in result.diagnostics.iter().zip(fingerprints) {
        results.push(SarifResult {
            rule_id: d.rule,
            rule_index: rule_index[d.rule],
            level: level(d.severity),
            message: Message { text: &d.message },
            locations: [Location {
                id: None,
                physical_location: PhysicalLocation {
                    artifact_location: artifact_of(&d.path),
                    region: Some(region(positions.of(&d.text, &d.span), &d.text, &d.span, true)),
                },
                message: None,
            }],
            related_locations: d
                .labels
                .iter()
                .enumerate()
                .map(|(i, l)| Location {
                    id: Some(i + 1),
                    physical_location: PhysicalLocation {
                        artifact_location: artifact_of(&l.path),
                        region: Some(region(label_positions.of(&l.text, &l.span), &l.text, &l.span, true)),
                    },
                    message: Some(Message { text: &l.message }),
                })
                .collect(),
            partial_fingerprints: HashMap::from([(FINGERPRINT_KEY, fingerprint)]),
            fixes: d
                .fix
                .iter()
                .map(|f| SarifFix {
                    description: Message { text: &f.description },
                    artifact_changes: [ArtifactChange {
                        artifact_location: artifact_of(&d.path),
                        replacements: f
                            .edits
                            .iter()
                            .map(|e| Replacement {
                                deleted_region: region(positions.of(&d.text, &e.span), &d.text, &e.span, false),
                                inserted_content: Message { text: &e.replacement },
                            })
                            .collect(),
                    }],
                })
                .collect(),
        });
    }

    let mut notifications: Vec<Notification> = result
        .skipped
        .iter()
        .map(|(path, reason)| {
            let shown = display_path(path);
            let level = if matches!(reason, SkipReason::InternalError(_)) { "error" } else { "warning" };
            notification(level, format!("{shown} {reason}; not analysed"), path)
        })
        .collect();
    notifications.extend(result.syntax_error_files.iter().map(|path| {
        let shown = display_path(path);
        notification("note", format!("{shown} could only be partly parsed; findings in it may be incomplete"), path)
    }));

    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "bglint",
                    version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            invocations: vec![Invocation {
                execution_successful: result.incomplete_files() == 0,
                tool_execution_notifications: notifications,
            }],
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_string_pretty(&log).expect("SARIF report serializes")
}

/// One descriptor per rule in `result.rules`, plus one for any diagnostic whose rule is
/// missing there, so every `ruleIndex` points at its rule.
fn descriptors(result: &RunResult) -> (Vec<ReportingDescriptor<'_>>, HashMap<&str, usize>) {
    let mut rules = Vec::with_capacity(result.rules.len());
    let mut index = HashMap::new();
    for r in &result.rules {
        if !index.contains_key(r.id) {
            index.insert(r.id, rules.len());
            rules.push(descriptor(r.id, &r.summary, &r.help, &r.docs_url, r.default_severity));
        }
    }
    for d in &result.diagnostics {
        if !index.contains_key(d.rule) {
            index.insert(d.rule, rules.len());
            rules.push(fallback_descriptor(d));
        }
    }
    (rules, index)
}

fn fallback_descriptor(d: &Diagnostic) -> ReportingDescriptor<'_> {
    descriptor(d.rule, d.rule, &d.help, &d.docs_url, d.severity)
}

fn descriptor<'a>(
    id: &'a str,
    summary: &'a str,
    help: &'a str,
    docs_url: &'a str,
    severity: Severity,
) -> ReportingDescriptor<'a> {
    // The schema requires `helpUri` to be an absolute URI: a rule with anything else as its
    // docs URL gets neither it nor the link.
    let docs_url = is_absolute_uri(docs_url).then_some(docs_url);
    let mut markdown = markdown_text(help);
    if let Some(url) = docs_url {
        markdown.push_str(&format!("\n\n[Rule documentation]({url})"));
    }
    ReportingDescriptor {
        id,
        name: upper_camel_case(id),
        short_description: Message { text: summary },
        full_description: Message { text: summary },
        help: MultiformatMessage { text: help, markdown },
        help_uri: docs_url,
        default_configuration: Configuration { level: level(severity) },
        properties: Properties { tags: ["background-execution"] },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn region<'a>((start, end): (LineCol, LineCol), text: &'a str, span: &Span, with_snippet: bool) -> Region<'a> {
    let snippet = with_snippet
        .then(|| text.get(span.clone()))
        .flatten()
        .filter(|s| !s.is_empty() && s.len() <= MAX_SNIPPET_BYTES)
        .map(|text| Message { text });
    Region { start_line: start.line, start_column: start.column, end_line: end.line, end_column: end.column, snippet }
}

fn notification(level: &'static str, text: String, path: &std::path::Path) -> Notification {
    Notification {
        level,
        message: OwnedMessage { text },
        locations: [NotificationLocation {
            physical_location: NotificationPhysicalLocation { artifact_location: artifact_of(path) },
        }],
    }
}

/// `scheme:rest` with an RFC 3986 scheme and nothing a URI cannot hold unencoded.
fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        && !rest.is_empty()
        && rest
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '<' | '>' | '"' | '{' | '}' | '|' | '\\' | '^' | '`'))
}

/// A display path as a SARIF artifact location: a relative URI reference against `%SRCROOT%`,
/// or a `file://` URI for an absolute path.
#[cfg(test)]
fn artifact(shown: &str) -> ArtifactLocation {
    artifact_bytes(shown.as_bytes())
}

/// A file's artifact location from the bytes of its name on disk (a name that is not UTF-8 is
/// percent-encoded byte for byte, not replaced).
fn artifact_of(path: &std::path::Path) -> ArtifactLocation {
    artifact_bytes(&super::shown_bytes(path))
}

fn artifact_bytes(bytes: &[u8]) -> ArtifactLocation {
    let windows_drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if bytes.starts_with(b"/") {
        ArtifactLocation { uri: format!("file://{}", percent_encode(bytes)), uri_base_id: None }
    } else if windows_drive {
        // `C:/dir/file`: the drive letter's colon stays, as in `file:///C:/dir/file`.
        ArtifactLocation {
            uri: format!("file:///{}:{}", bytes[0] as char, percent_encode(&bytes[2..])),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation { uri: percent_encode(bytes), uri_base_id: Some(SRCROOT) }
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `/` (UTF-8 bytes for
/// non-ASCII), so spaces, `#`, `%`, `?` and `:` in file names cannot change what a URI means.
fn percent_encode(path: &[u8]) -> String {
    let mut out = String::with_capacity(path.len());
    for &b in path {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `some-rule_id` → `SomeRuleId`.
fn upper_camel_case(id: &str) -> String {
    id.split(['-', '_', '.', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().expect("non-empty");
            first.to_uppercase().chain(chars).collect::<String>()
        })
        .collect()
}

/// Help text as Markdown: `<` outside code spans is escaped, so an XML element named in the
/// help shows as text rather than vanishing as an HTML tag.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_encoded_references() {
        let a = artifact("lib dir/é#1.dart");
        assert_eq!(a.uri, "lib%20dir/%C3%A9%231.dart");
        assert_eq!(a.uri_base_id, Some(SRCROOT));
        let a = artifact("/tmp/x y/a.dart");
        assert_eq!(a.uri, "file:///tmp/x%20y/a.dart");
        assert_eq!(a.uri_base_id, None);
        assert_eq!(artifact("C:/a b/c.kt").uri, "file:///C:/a%20b/c.kt");
    }

    #[test]
    fn names_and_markdown() {
        assert_eq!(upper_camel_case("abc-def-ghi"), "AbcDefGhi");
        assert_eq!(markdown_text("Add <x/> or `<y/>`"), "Add &lt;x/> or `<y/>`");
        assert!(is_absolute_uri("https://example.com/docs/a.md#x"));
        assert!(!is_absolute_uri(""));
        assert!(!is_absolute_uri("docs/a.md"));
        assert!(!is_absolute_uri("https://example.com/a b"));
    }
}
