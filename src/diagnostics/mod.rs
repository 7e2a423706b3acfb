//! What a rule reports, independent of how it is shown: a rule id, a severity, a primary span,
//! optional secondary labels, a message, a help line and an optional fix.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::source::{SkipReason, Span};

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location, possibly in another file (an Info.plist key, a manifest element).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub path: PathBuf,
    /// The text of `path`, for code frames (labels may point into another file).
    pub text: Arc<str>,
    pub span: Span,
    pub message: String,
}

/// A text edit a fix applies: replace `span` in the finding's file with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub description: String,
    pub edits: Vec<Edit>,
}

/// What a rule produces: where and what. The engine stamps it into a [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub span: Span,
    pub message: String,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
}

impl Finding {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Finding { span, message: message.into(), labels: Vec::new(), fix: None }
    }

    pub fn with_label(mut self, label: Label) -> Self {
        self.labels.push(label);
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// A finding stamped with its rule's identity, severity, help and the file it is in.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub rule: &'static str,
    pub severity: Severity,
    pub path: PathBuf,
    /// The file's text, for reporters that show code frames or compute positions.
    pub text: Arc<str>,
    pub span: Span,
    pub message: String,
    pub help: String,
    pub docs_url: String,
    pub labels: Vec<Label>,
    pub fix: Option<Fix>,
    /// The declarations around the finding (`AppDelegate.application`), empty at the top level
    /// or in a configuration file: with the flagged text, what identifies a finding across edits.
    pub context: String,
}

impl Diagnostic {
    /// The flagged text with whitespace collapsed: stable under reformatting and moves. Past
    /// [`MAX_SNIPPET_BYTES`] (flagged code in minified text) it is cut, and a hash of the whole
    /// is appended so different long snippets stay apart: baselines stay small.
    pub fn normalized_snippet(&self) -> String {
        let full = collapse_whitespace(self.text.get(self.span.clone()).unwrap_or(""));
        if full.len() <= MAX_SNIPPET_BYTES {
            return full;
        }
        let mut cut = MAX_SNIPPET_BYTES;
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        // FNV-1a 64: stable across Rust versions and platforms.
        let hash =
            full.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        format!("{}… ({} bytes, fnv1a {hash:016x})", &full[..cut], full.len())
    }
}

/// Flagged text longer than this (whitespace collapsed) is cut in baselines and fingerprints;
/// real findings are a call or a declaration, far shorter.
pub const MAX_SNIPPET_BYTES: usize = 1000;

/// Text with every run of whitespace collapsed to one space and none at either end: what
/// identifies flagged code across reformatting (baselines, fingerprints).
pub fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Dart, Swift, Kotlin and Java files read.
    pub files_analyzed: usize,
    /// Of those, files that passed the prefilter and were parsed.
    pub files_parsed: usize,
    /// Parsed files where the grammar could not read some region: findings there may be incomplete.
    pub files_with_syntax_errors: usize,
    /// Files that could not be analysed at all (binary, not UTF-8, too large, unreadable).
    pub files_skipped: usize,
    /// Analysed files that belong to no Flutter, iOS or Android project: cross-file rules
    /// could not judge them.
    pub files_without_project: usize,
    /// Test files (Dart `test/`, Android `src/test*/`, Swift test targets …) left out of the
    /// run; `include-tests` brings them back.
    pub test_files_excluded: usize,
    /// Of those, code files bglint should have analysed but could not (over the per-file time
    /// budget, nested too deep, an internal error): the analysis is incomplete (exit code 2).
    pub files_incomplete: usize,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// What reporters may say about a rule that reported something (SARIF rule descriptors, JUnit
/// test names): generic metadata, so no reporter needs to know a specific rule.
#[derive(Debug, Clone)]
pub struct RuleInfo {
    pub id: &'static str,
    pub summary: String,
    pub help: String,
    pub docs_url: String,
    pub default_severity: Severity,
}

/// Everything a run produced, for the reporters.
#[derive(Debug, Default)]
pub struct RunResult {
    pub diagnostics: Vec<Diagnostic>,
    /// One entry per rule that has a diagnostic, sorted by id.
    pub rules: Vec<RuleInfo>,
    /// Things the user should know about the run itself (a baseline with fixed entries, …).
    pub notes: Vec<String>,
    pub skipped: Vec<(PathBuf, SkipReason)>,
    pub syntax_error_files: Vec<PathBuf>,
    pub summary: Summary,
}

impl RunResult {
    /// Keeps only the diagnostics `keep` accepts, and recounts the summary and reported rules.
    pub fn retain_diagnostics(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.diagnostics.retain(keep);
        self.recount();
    }

    /// Recounts the summary's severities and keeps only the reported rules' metadata.
    pub fn recount(&mut self) {
        let s = &mut self.summary;
        (s.errors, s.warnings, s.infos) = (0, 0, 0);
        for d in &self.diagnostics {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        let reported: Vec<&str> = self.diagnostics.iter().map(|d| d.rule).collect();
        self.rules.retain(|r| reported.contains(&r.id));
    }

    /// Files bglint failed on through a defect of its own (not the user's input).
    pub fn internal_errors(&self) -> usize {
        self.skipped.iter().filter(|(_, r)| matches!(r, SkipReason::InternalError(_))).count()
    }

    /// Code files left unanalysed by bglint's per-file bounds or an internal error: when
    /// non-zero, the run is incomplete and must not pass CI.
    pub fn incomplete_files(&self) -> usize {
        self.skipped.iter().filter(|(_, r)| r.leaves_run_incomplete()).count()
    }
}
