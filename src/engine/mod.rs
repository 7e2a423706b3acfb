//! Runs everything: walks the inputs, prefilters each file by the literals its rules need,
//! parses it at most once, runs one merged query pass and the Rust rules, and stamps findings.

pub mod stats;
pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use aho_corasick::AhoCorasick;
use streaming_iterator::StreamingIterator;

use crate::diagnostics::{Diagnostic, Finding, Severity};
use crate::lang::{Language, ParsedFile};
use crate::rules::declarative::{self, CombinedQuery};
use crate::rules::{Registry, RuleImpl};
use crate::source::{SkipReason, SourceFile, DEFAULT_MAX_FILE_BYTES};

#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub max_file_bytes: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options { threads: 0, max_file_bytes: DEFAULT_MAX_FILE_BYTES }
    }
}

/// What happened to one source file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub parsed: bool,
    pub syntax_errors: bool,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    /// Dart, Swift and Kotlin files read.
    pub files_analyzed: usize,
    /// Of those, files that passed the prefilter and were parsed.
    pub files_parsed: usize,
    /// Parsed files where the grammar could not read some region: findings there may be incomplete.
    pub files_with_syntax_errors: usize,
    /// Files that could not be analysed at all (binary, not UTF-8, too large, unreadable).
    pub files_skipped: usize,
    #[serde(serialize_with = "as_millis")]
    pub elapsed: Duration,
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// The result of a run over paths.
#[derive(Debug, Default)]
pub struct RunResult {
    pub diagnostics: Vec<Diagnostic>,
    pub skipped: Vec<(PathBuf, SkipReason)>,
    pub syntax_error_files: Vec<PathBuf>,
    pub summary: Summary,
}

/// Per-language prefilter: one automaton over every keyword any rule needs.
struct Prefilter {
    keywords: Vec<String>,
    automaton: AhoCorasick,
}

impl Prefilter {
    fn new(keywords: Vec<String>) -> Prefilter {
        let automaton = AhoCorasick::new(&keywords).expect("keyword automaton");
        Prefilter { keywords, automaton }
    }

    /// Which keywords occur in `text`.
    fn present(&self, text: &str) -> Vec<bool> {
        let mut seen = vec![false; self.keywords.len()];
        let mut remaining = self.keywords.len();
        for m in self.automaton.find_overlapping_iter(text) {
            let i = m.pattern().as_usize();
            if !seen[i] {
                seen[i] = true;
                remaining -= 1;
                if remaining == 0 {
                    break;
                }
            }
        }
        seen
    }
}

struct LanguagePlan {
    prefilter: Prefilter,
    query: OnceLock<Result<Option<CombinedQuery>, String>>,
}

/// The engine: a registry plus what is precomputed per language.
pub struct Engine {
    registry: &'static Registry,
    plans: [LanguagePlan; 3],
}

impl Engine {
    pub fn new(registry: &'static Registry) -> Engine {
        let plans = Language::ALL.map(|lang| {
            let mut keywords: Vec<String> = Vec::new();
            for rule in &registry.rules {
                let words: Vec<&str> = match rule {
                    RuleImpl::Declarative(d) => d
                        .blocks
                        .iter()
                        .filter(|b| b.language == lang)
                        .flat_map(|b| b.keywords.iter().chain(&b.also_keywords).map(String::as_str))
                        .collect(),
                    RuleImpl::Native(n) if n.languages.contains(&lang) => n.keywords.to_vec(),
                    RuleImpl::Native(_) => Vec::new(),
                };
                for w in words {
                    if !keywords.iter().any(|k| k == w) {
                        keywords.push(w.to_string());
                    }
                }
            }
            LanguagePlan { prefilter: Prefilter::new(keywords), query: OnceLock::new() }
        });
        Engine { registry, plans }
    }

    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    fn plan(&self, lang: Language) -> &LanguagePlan {
        &self.plans[lang as usize]
    }

    /// The merged query for a language, compiled on first use (it costs up to a second).
    fn combined_query(&self, lang: Language) -> anyhow::Result<Option<&CombinedQuery>> {
        let plan = self.plan(lang);
        let built = plan.query.get_or_init(|| {
            let rules: Vec<(usize, &declarative::DeclarativeRule)> = self
                .registry
                .rules
                .iter()
                .enumerate()
                .filter_map(|(i, r)| match r {
                    RuleImpl::Declarative(d) => Some((i, &**d)),
                    RuleImpl::Native(_) => None,
                })
                .collect();
            CombinedQuery::build(lang, &rules).map_err(|e| format!("{e:#}"))
        });
        built.as_ref().map(|q| q.as_ref()).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Analyses one file's text. Rules whose keywords are absent do not run, and when none
    /// run the file is not parsed at all.
    pub fn check_source(&self, lang: Language, source: &SourceFile) -> anyhow::Result<FileOutcome> {
        let plan = self.plan(lang);
        let present = plan.prefilter.present(&source.text);
        let has = |word: &str| plan.prefilter.keywords.iter().position(|k| k == word).is_some_and(|i| present[i]);

        // Which rules (and which of their blocks) may match this file.
        let mut active_blocks: Vec<Vec<bool>> = Vec::with_capacity(self.registry.rules.len());
        let mut any_declarative = false;
        let mut any_native = false;
        for rule in &self.registry.rules {
            match rule {
                RuleImpl::Declarative(d) => {
                    let blocks: Vec<bool> = d.blocks.iter().map(|b| b.language == lang && b.prefilter(has)).collect();
                    any_declarative |= blocks.iter().any(|b| *b);
                    active_blocks.push(blocks);
                }
                RuleImpl::Native(n) => {
                    let on = n.languages.contains(&lang) && n.keywords.iter().any(|k| has(k));
                    any_native |= on;
                    active_blocks.push(vec![on]);
                }
            }
        }
        if !any_declarative && !any_native {
            return Ok(FileOutcome::default());
        }

        let Some(file) = ParsedFile::parse(lang, source) else {
            return Ok(FileOutcome::default());
        };
        let mut outcome =
            FileOutcome { parsed: true, syntax_errors: file.has_syntax_errors(), diagnostics: Vec::new() };
        let mut findings: Vec<(usize, Finding)> = Vec::new();

        if any_declarative {
            if let Some(combined) = self.combined_query(lang)? {
                run_query(combined, &file, &active_blocks, self.registry, &mut findings);
            }
        }
        if any_native {
            for (i, rule) in self.registry.rules.iter().enumerate() {
                if let RuleImpl::Native(n) = rule {
                    if active_blocks[i][0] {
                        let mut out = Vec::new();
                        (n.check)(&file, &mut out);
                        findings.extend(out.into_iter().map(|f| (i, f)));
                    }
                }
            }
        }

        // Several patterns of one rule can match the same code: report it once.
        findings.sort_by_key(|(r, f)| (f.span.start, f.span.end, *r));
        findings.dedup_by(|(ra, a), (rb, b)| ra == rb && a.span == b.span);
        outcome.diagnostics = findings.into_iter().map(|(i, f)| self.stamp(i, source, f)).collect();
        Ok(outcome)
    }

    fn stamp(&self, rule_index: usize, source: &SourceFile, f: Finding) -> Diagnostic {
        let meta = self.registry.rules[rule_index].meta();
        Diagnostic {
            rule: registry_id(self.registry, rule_index),
            severity: meta.severity,
            path: source.path.clone(),
            text: source.text.clone(),
            span: f.span,
            message: f.message,
            help: meta.help.clone(),
            docs_url: meta.docs_url(),
            labels: f.labels,
            fix: f.fix,
        }
    }

    /// Walks `paths` and analyses every Dart, Swift and Kotlin file in parallel.
    pub fn check_paths(&self, paths: &[PathBuf], options: &Options) -> anyhow::Result<RunResult> {
        let started = Instant::now();
        for p in paths {
            if !p.exists() {
                anyhow::bail!("{}: no such file or directory", p.display());
            }
        }
        let results: Mutex<RunResult> = Mutex::new(RunResult::default());
        let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        walk::walker(paths, options.threads).run(|| {
            Box::new(|entry| {
                let entry = match entry {
                    Ok(e) => e,
                    Err(err) => {
                        let path = err_path(&err).unwrap_or_default();
                        let mut r = results.lock().unwrap();
                        r.skipped.push((path, SkipReason::Unreadable(err.to_string())));
                        return ignore::WalkState::Continue;
                    }
                };
                let path = entry.path();
                let explicit = entry.depth() == 0;
                if !entry.file_type().is_some_and(|t| t.is_file()) || (!explicit && walk::is_generated(path)) {
                    return ignore::WalkState::Continue;
                }
                let Some(lang) = Language::from_path(path) else {
                    return ignore::WalkState::Continue;
                };
                let source = match SourceFile::load(path, options.max_file_bytes) {
                    Ok(s) => s,
                    Err(reason) => {
                        let mut r = results.lock().unwrap();
                        r.summary.files_analyzed += 1;
                        r.skipped.push((path.to_path_buf(), reason));
                        return ignore::WalkState::Continue;
                    }
                };
                match self.check_source(lang, &source) {
                    Ok(outcome) => {
                        let mut r = results.lock().unwrap();
                        r.summary.files_analyzed += 1;
                        r.summary.files_parsed += usize::from(outcome.parsed);
                        if outcome.syntax_errors {
                            r.syntax_error_files.push(path.to_path_buf());
                        }
                        r.diagnostics.extend(outcome.diagnostics);
                        ignore::WalkState::Continue
                    }
                    Err(e) => {
                        *failure.lock().unwrap() = Some(e);
                        ignore::WalkState::Quit
                    }
                }
            })
        });
        if let Some(e) = failure.into_inner().unwrap() {
            return Err(e);
        }
        let mut result = results.into_inner().unwrap();
        result.diagnostics.sort_by(|a, b| (&a.path, a.span.start, a.rule).cmp(&(&b.path, b.span.start, b.rule)));
        result.skipped.sort_by(|a, b| a.0.cmp(&b.0));
        result.syntax_error_files.sort();
        let s = &mut result.summary;
        s.files_skipped = result.skipped.len();
        s.files_with_syntax_errors = result.syntax_error_files.len();
        for d in &result.diagnostics {
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s.elapsed = started.elapsed();
        Ok(result)
    }
}

fn registry_id(registry: &'static Registry, index: usize) -> &'static str {
    registry.rules[index].meta().id.as_str()
}

fn err_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => err_path(err),
        _ => None,
    }
}

fn run_query<'t>(
    combined: &CombinedQuery,
    file: &'t ParsedFile<'_>,
    active_blocks: &[Vec<bool>],
    registry: &Registry,
    findings: &mut Vec<(usize, Finding)>,
) {
    let mut cursor = tree_sitter::QueryCursor::new();
    let names = combined.query.capture_names();
    let mut matches = cursor.matches(&combined.query, file.root(), file.text().as_bytes());
    while let Some(m) = matches.next() {
        let (rule_index, block_index) = combined.owners[m.pattern_index];
        if !active_blocks[rule_index][block_index] {
            continue;
        }
        let RuleImpl::Declarative(rule) = &registry.rules[rule_index] else {
            continue;
        };
        let block = &rule.blocks[block_index];
        let capture = |name: &str| -> Option<tree_sitter::Node<'t>> {
            m.captures.iter().find(|c| names[c.index as usize] == name).map(|c| c.node)
        };
        if let Some(f) = declarative::evaluate(block, file, &capture) {
            findings.push((rule_index, f));
        }
    }
}

/// Convenience for tests and editors: analyse a text as if it were the file at `path`.
pub fn check_text(engine: &Engine, path: &Path, text: &str) -> anyhow::Result<FileOutcome> {
    let lang = Language::from_path(path)
        .ok_or_else(|| anyhow::anyhow!("{}: not a Dart, Swift or Kotlin file", path.display()))?;
    engine.check_source(lang, &SourceFile::new(path, text))
}
