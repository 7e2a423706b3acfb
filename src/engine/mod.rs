//! Runs everything: walks the inputs, prefilters each file by the literals its rules need,
//! parses it at most once, runs one merged query pass and the Rust rules, and stamps findings.

pub mod stats;
pub mod walk;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use aho_corasick::AhoCorasick;
use streaming_iterator::StreamingIterator;

use crate::diagnostics::{Diagnostic, Finding, Severity};
pub use crate::diagnostics::{RunResult, Summary};
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

/// Syntax trees deeper than this are not analysed: real code on 235 MB of apps peaks at 120,
/// and rules that walk statements recursively must never exhaust a thread's stack.
pub const MAX_TREE_DEPTH: usize = 1000;

/// What happened to one source file.
#[derive(Debug, Default)]
pub struct FileOutcome {
    pub parsed: bool,
    pub syntax_errors: bool,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the file was read but could not be analysed.
    pub skipped: Option<SkipReason>,
}

/// What the prefilter selected for one file: per rule, which match blocks may run
/// (a Rust rule has one).
#[derive(Debug)]
pub struct ActiveRules {
    blocks: Vec<Vec<bool>>,
    any_declarative: bool,
    any_native: bool,
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
        match self.select_rules(lang, &source.text) {
            Some(active) => self.analyze(lang, source, &active),
            None => Ok(FileOutcome::default()),
        }
    }

    /// The prefilter: which rules (and which of their match blocks) may match a text, or `None`
    /// when no rule can, so the file need not be parsed.
    pub fn select_rules(&self, lang: Language, text: &str) -> Option<ActiveRules> {
        let plan = self.plan(lang);
        let present = plan.prefilter.present(text);
        let has = |word: &str| plan.prefilter.keywords.iter().position(|k| k == word).is_some_and(|i| present[i]);
        let mut active = ActiveRules {
            blocks: Vec::with_capacity(self.registry.rules.len()),
            any_declarative: false,
            any_native: false,
        };
        for rule in &self.registry.rules {
            match rule {
                RuleImpl::Declarative(d) => {
                    let blocks: Vec<bool> = d.blocks.iter().map(|b| b.language == lang && b.prefilter(has)).collect();
                    active.any_declarative |= blocks.iter().any(|b| *b);
                    active.blocks.push(blocks);
                }
                RuleImpl::Native(n) => {
                    let on = n.languages.contains(&lang) && n.keywords.iter().any(|k| has(k));
                    active.any_native |= on;
                    active.blocks.push(vec![on]);
                }
            }
        }
        (active.any_declarative || active.any_native).then_some(active)
    }

    /// Every rule of `lang`, as if every keyword were present: to test that the prefilter is
    /// exact (it must never skip a file a rule would match).
    pub fn all_rules(&self, lang: Language) -> ActiveRules {
        let blocks = self
            .registry
            .rules
            .iter()
            .map(|rule| match rule {
                RuleImpl::Declarative(d) => d.blocks.iter().map(|b| b.language == lang).collect(),
                RuleImpl::Native(n) => vec![n.languages.contains(&lang)],
            })
            .collect();
        ActiveRules { blocks, any_declarative: true, any_native: true }
    }

    /// Parses a file and runs the rules the prefilter selected.
    pub fn analyze(&self, lang: Language, source: &SourceFile, active: &ActiveRules) -> anyhow::Result<FileOutcome> {
        let (any_declarative, any_native, active_blocks) = (active.any_declarative, active.any_native, &active.blocks);
        let Some(file) = ParsedFile::parse(lang, source) else {
            return Ok(FileOutcome::default());
        };
        let mut outcome =
            FileOutcome { parsed: true, syntax_errors: file.has_syntax_errors(), ..FileOutcome::default() };
        if file.nests_deeper_than(MAX_TREE_DEPTH) {
            outcome.skipped = Some(SkipReason::TooDeep { limit: MAX_TREE_DEPTH });
            return Ok(outcome);
        }
        let mut findings: Vec<(usize, Finding)> = Vec::new();

        if any_declarative {
            if let Some(combined) = self.combined_query(lang)? {
                run_query(combined, &file, active_blocks, self.registry, &mut findings);
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
        let record = |f: &mut dyn FnMut(&mut RunResult)| f(&mut results.lock().unwrap_or_else(|e| e.into_inner()));
        // On the walker's threads: read and prefilter (most files stop here, unparsed).
        let triage = |walked: walk::Walked| {
            let (path, explicit) = match walked {
                walk::Walked::File { path, explicit } => (path, explicit),
                walk::Walked::Unreadable { path, error } => {
                    record(&mut |r| r.skipped.push((path.clone(), SkipReason::Unreadable(error.clone()))));
                    return None;
                }
            };
            if !explicit && walk::is_generated(&path) {
                return None;
            }
            let lang = Language::from_path(&path)?;
            let source = match SourceFile::load(&path, options.max_file_bytes) {
                Ok(s) => s,
                Err(reason) => {
                    record(&mut |r| {
                        r.summary.files_analyzed += 1;
                        r.skipped.push((path.clone(), reason.clone()));
                    });
                    return None;
                }
            };
            let active = self.select_rules(lang, &source.text);
            if active.is_none() {
                record(&mut |r| r.summary.files_analyzed += 1);
            }
            Some((lang, source, active?))
        };
        // On the workers: parse and run rules.
        let work = |(lang, source, active): (Language, SourceFile, ActiveRules)| {
            // A defect in one rule must not end the run: the file is reported as skipped.
            let checked =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.analyze(lang, &source, &active)))
                    .unwrap_or_else(|payload| {
                        Ok(FileOutcome {
                            skipped: Some(SkipReason::InternalError(panic_message(&payload))),
                            ..FileOutcome::default()
                        })
                    });
            match checked {
                Ok(mut outcome) => record(&mut |r| {
                    r.summary.files_analyzed += 1;
                    r.summary.files_parsed += usize::from(outcome.parsed);
                    if outcome.syntax_errors {
                        r.syntax_error_files.push(source.path.clone());
                    }
                    if let Some(reason) = outcome.skipped.take() {
                        r.skipped.push((source.path.clone(), reason));
                    }
                    r.diagnostics.append(&mut outcome.diagnostics);
                }),
                Err(e) => *failure.lock().unwrap_or_else(|e| e.into_inner()) = Some(e),
            }
        };
        walk::for_each_file(paths, options.threads, triage, work);
        if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        let mut result = results.into_inner().unwrap_or_else(|e| e.into_inner());
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

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn registry_id(registry: &'static Registry, index: usize) -> &'static str {
    registry.rules[index].meta().id.as_str()
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
