//! Runs everything: walks the inputs, prefilters each file by the literals its rules need,
//! parses it at most once, runs one merged query pass and the Rust rules, and stamps findings.

pub mod stats;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Instant;

use aho_corasick::AhoCorasick;
use streaming_iterator::StreamingIterator;

use crate::diagnostics::{Diagnostic, Finding, RuleInfo, Severity};
pub use crate::diagnostics::{RunResult, Summary};
use crate::lang::{budget, syntax, Language, ParsedFile};
use crate::project;
use crate::project::discover::{DiscoveryOptions, Loader, Role, DEFAULT_ASSUMED_TARGET_SDK};
use crate::project::facts::ConfigKind;
use crate::rules::declarative::{self, CombinedQuery};
use crate::rules::native::NativeRule;
use crate::rules::{ProjectCode, Registry, RuleContext, RuleImpl};
use crate::source::{SkipReason, SourceFile, DEFAULT_MAX_FILE_BYTES};
use crate::suppress;
use crate::walk;

#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads; 0 means one per core.
    pub threads: usize,
    pub max_file_bytes: u64,
    /// Wall time one file may take (parse and rules); past it the file is skipped.
    pub file_time_limit: std::time::Duration,
    /// The Android targetSdk assumed where Gradle names a value bglint cannot resolve.
    pub assumed_target_sdk: u32,
    /// The keyword prefilter (off only to prove, in tests, that it never changes findings).
    pub prefilter: bool,
    /// A `bglint-ignore` without a reason is an error (`--require-suppression-reason`).
    pub require_suppression_reason: bool,
    /// Analyse only these code files (projects are still discovered from every path) and skip
    /// project checks, which need the whole project: the editor's fast path on a keystroke.
    pub only: Option<Arc<HashSet<PathBuf>>>,
    /// Previous syntax trees of open files, for incremental parsing (editors).
    pub trees: Option<Arc<TreeCache>>,
    /// Analyse and report test code too (`--include-tests`, `include-tests` in bglint.toml).
    pub include_tests: bool,
}

/// Syntax trees by file, kept between analyses of edited buffers. A tree is taken out while its
/// file is analysed and put back parsed from the new text, so a failed analysis leaves none.
#[derive(Default)]
pub struct TreeCache(Mutex<HashMap<PathBuf, tree_sitter::Tree>>);

impl std::fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TreeCache")
    }
}

impl TreeCache {
    pub fn take(&self, path: &Path) -> Option<tree_sitter::Tree> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).remove(path)
    }

    pub fn put(&self, path: &Path, tree: tree_sitter::Tree) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).insert(path.to_path_buf(), tree);
    }

    /// Tells the cached tree of `path` (if any) about an edit, so the next parse can reuse it.
    pub fn edit(&self, path: &Path, edit: &crate::lang::InputEdit) {
        if let Some(tree) = self.0.lock().unwrap_or_else(|e| e.into_inner()).get_mut(path) {
            tree.edit(edit);
        }
    }

    /// Forgets the tree of `path` (its text was replaced wholesale, or the buffer closed).
    pub fn forget(&self, path: &Path) {
        self.take(path);
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threads: 0,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            file_time_limit: budget::FILE_TIME_LIMIT,
            assumed_target_sdk: DEFAULT_ASSUMED_TARGET_SDK,
            prefilter: true,
            require_suppression_reason: false,
            only: None,
            trees: None,
            include_tests: false,
        }
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
        // A DFA: a few hundred keywords make a small table, and it scans faster than the default NFA.
        let automaton = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&keywords)
            .expect("keyword automaton");
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

/// Words project checks ask about (`ProjectCode::mentions`), and which rules asked for each.
struct Signals {
    prefilter: Prefilter,
    owners: Vec<Vec<usize>>,
}

struct LanguagePlan {
    prefilter: Prefilter,
    signals: Signals,
    query: OnceLock<Result<Option<CombinedQuery>, String>>,
}

/// The engine: a registry plus what is precomputed per language.
pub struct Engine {
    registry: &'static Registry,
    plans: [LanguagePlan; 4],
    /// Queries holding only the blocks one file needs, by language and active-block mask: an
    /// editor re-checks the same file on every keystroke, and fewer patterns match faster.
    specialized: Mutex<HashMap<SpecializedKey, Arc<CombinedQuery>>>,
}

/// A language and which of its declarative blocks are active.
type SpecializedKey = (Language, Vec<bool>);

/// How many specialized queries to keep before starting over.
const MAX_SPECIALIZED_QUERIES: usize = 32;

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
            // Signal words get an automaton of their own, run only for files whose project can
            // use them (many are common words, and most projects need none).
            let mut signal_words: Vec<String> = Vec::new();
            let mut signal_owners: Vec<Vec<usize>> = Vec::new();
            for (rule_index, rule) in registry.rules.iter().enumerate() {
                if let RuleImpl::Native(n) = rule {
                    for &w in n.signals {
                        match signal_words.iter().position(|k| k == w) {
                            Some(i) => signal_owners[i].push(rule_index),
                            None => {
                                signal_words.push(w.to_string());
                                signal_owners.push(vec![rule_index]);
                            }
                        }
                    }
                }
            }
            let signals = Signals { prefilter: Prefilter::new(signal_words), owners: signal_owners };
            LanguagePlan { prefilter: Prefilter::new(keywords), signals, query: OnceLock::new() }
        });
        Engine { registry, plans, specialized: Mutex::new(HashMap::new()) }
    }

    pub fn registry(&self) -> &'static Registry {
        self.registry
    }

    fn plan(&self, lang: Language) -> &LanguagePlan {
        &self.plans[lang as usize]
    }

    /// The merged query for a language, compiled on first use (it costs up to a second).
    /// The declarative rules with their registry indices: what merged queries are built from.
    fn declarative_rules(&self) -> Vec<(usize, &'static declarative::DeclarativeRule)> {
        let registry: &'static Registry = self.registry;
        registry
            .rules
            .iter()
            .enumerate()
            .filter_map(|(i, r)| match r {
                RuleImpl::Declarative(d) => Some((i, &**d)),
                RuleImpl::Native(_) => None,
            })
            .collect()
    }

    fn combined_query(&self, lang: Language) -> anyhow::Result<Option<&CombinedQuery>> {
        let plan = self.plan(lang);
        let built = plan.query.get_or_init(|| {
            let rules = self.declarative_rules();
            CombinedQuery::build(lang, &rules).map_err(|e| format!("{e:#}"))
        });
        built.as_ref().map(|q| q.as_ref()).map_err(|e| anyhow::anyhow!("{e}"))
    }

    fn specialized_query(&self, lang: Language, active: &[Vec<bool>]) -> anyhow::Result<Option<Arc<CombinedQuery>>> {
        let mask: Vec<bool> = active.iter().flatten().copied().collect();
        let key = (lang, mask);
        if let Some(q) = self.specialized.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return Ok(Some(q.clone()));
        }
        let rules = self.declarative_rules();
        let Some(built) = CombinedQuery::build_selected(lang, &rules, |r, b| active[r][b])? else { return Ok(None) };
        let built = Arc::new(built);
        let mut cache = self.specialized.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= MAX_SPECIALIZED_QUERIES {
            cache.clear();
        }
        cache.insert(key, built.clone());
        Ok(Some(built))
    }

    /// Analyses one file's text. Rules whose keywords are absent do not run, and when none
    /// run the file is not parsed at all.
    pub fn check_source(&self, lang: Language, source: &SourceFile) -> anyhow::Result<FileOutcome> {
        match self.select_rules(lang, &source.text) {
            Some(active) => self.analyze(lang, source, &active, &RuleContext::default()),
            None => Ok(FileOutcome::default()),
        }
    }

    /// The prefilter: which rules (and which of their match blocks) may match a text, or `None`
    /// when no rule can, so the file need not be parsed.
    pub fn select_rules(&self, lang: Language, text: &str) -> Option<ActiveRules> {
        self.prefilter(lang, text, Known::default()).0
    }

    /// The prefilter, plus the signal words present in the text. Rules that need project facts
    /// the file's project does not have (`known`) cannot fire, so they do not count either.
    fn prefilter(&self, lang: Language, text: &str, known: Known) -> (Option<ActiveRules>, Vec<String>) {
        let plan = self.plan(lang);
        let present = plan.prefilter.present(text);
        let signals = self.signals_in(plan, text, known);
        let has = |word: &str| plan.prefilter.keywords.iter().position(|k| k == word).is_some_and(|i| present[i]);
        let mut active = ActiveRules {
            blocks: Vec::with_capacity(self.registry.rules.len()),
            any_declarative: false,
            any_native: false,
        };
        for rule in &self.registry.rules {
            match rule {
                RuleImpl::Declarative(d) => {
                    let possible = known.allows(&d.meta);
                    let blocks: Vec<bool> =
                        d.blocks.iter().map(|b| possible && b.language == lang && b.prefilter(has)).collect();
                    active.any_declarative |= blocks.iter().any(|b| *b);
                    active.blocks.push(blocks);
                }
                RuleImpl::Native(n) => {
                    let on = n.check.is_some()
                        && n.languages.contains(&lang)
                        && known.allows(rule.meta())
                        && n.keywords.iter().any(|k| has(k));
                    active.any_native |= on;
                    active.blocks.push(vec![on]);
                }
            }
        }
        ((active.any_declarative || active.any_native).then_some(active), signals)
    }

    /// Whether a rule able to run on a project with `known` facts asks for signal words of `lang`.
    fn wants_signals(&self, lang: Language, known: Known) -> bool {
        self.plan(lang).signals.owners.iter().flatten().any(|&r| known.allows(self.registry.rules[r].meta()))
    }

    /// The signal words in `text` that a rule able to run on the file's project asked for.
    fn signals_in(&self, plan: &LanguagePlan, text: &str, known: Known) -> Vec<String> {
        let wanted: Vec<bool> = plan
            .signals
            .owners
            .iter()
            .map(|rules| rules.iter().any(|&r| known.allows(self.registry.rules[r].meta())))
            .collect();
        if !wanted.iter().any(|w| *w) {
            return Vec::new();
        }
        let present = plan.signals.prefilter.present(text);
        (0..wanted.len())
            .filter(|&i| wanted[i] && present[i])
            .map(|i| plan.signals.prefilter.keywords[i].clone())
            .collect()
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
    pub fn analyze(
        &self,
        lang: Language,
        source: &SourceFile,
        active: &ActiveRules,
        cx: &RuleContext<'_>,
    ) -> anyhow::Result<FileOutcome> {
        self.analyze_reusing(lang, source, active, cx, None, budget::FILE_TIME_LIMIT)
    }

    /// [`analyze`](Self::analyze), parsing incrementally from the file's previous tree when a
    /// cache holds one (editors), and leaving the new tree there for the next change.
    fn analyze_reusing(
        &self,
        lang: Language,
        source: &SourceFile,
        active: &ActiveRules,
        cx: &RuleContext<'_>,
        trees: Option<&TreeCache>,
        time_limit: std::time::Duration,
    ) -> anyhow::Result<FileOutcome> {
        let (any_declarative, any_native, active_blocks) = (active.any_declarative, active.any_native, &active.blocks);
        // Queries compile on first use (up to seconds in a debug build): not the file's time.
        let (merged, specialized) = match (any_declarative, trees.is_some()) {
            (false, _) => (None, None),
            (true, false) => (self.combined_query(lang)?, None),
            (true, true) => (None, self.specialized_query(lang, active_blocks)?),
        };
        let deadline = budget::Deadline::after(time_limit);
        let old = trees.and_then(|t| t.take(&source.path));
        let file = match ParsedFile::parse_within(lang, source, old.as_ref(), deadline) {
            Ok(Some(file)) => file,
            Ok(None) => return Ok(FileOutcome::default()),
            Err(over) => {
                return Ok(FileOutcome { skipped: Some(SkipReason::OverBudget(over)), ..FileOutcome::default() })
            }
        };
        if let Some(trees) = trees {
            trees.put(&source.path, file.tree.clone());
        }

        let mut outcome =
            FileOutcome { parsed: true, syntax_errors: file.has_syntax_errors(), ..FileOutcome::default() };
        if file.nests_deeper_than(MAX_TREE_DEPTH) {
            outcome.skipped = Some(SkipReason::TooDeep { limit: MAX_TREE_DEPTH });
            return Ok(outcome);
        }
        let mut findings: Vec<(usize, Finding)> = Vec::new();

        // Rust rules unwind through `budget::checkpoint` when the deadline passes; the caller's
        // `catch_unwind` turns that into a skipped file.
        let natives = |findings: &mut Vec<(usize, Finding)>| {
            if !any_native {
                return;
            }
            for (i, rule) in self.registry.rules.iter().enumerate() {
                if let RuleImpl::Native(NativeRule { check: Some(check), .. }) = rule {
                    if active_blocks[i][0] {
                        let mut out = Vec::new();
                        budget::with_deadline(deadline, || check(&file, cx, &mut out));
                        findings.extend(out.into_iter().map(|f| (i, f)));
                    }
                }
            }
        };
        if trees.is_some() {
            // Editors: one file at a time, so the query (of just the blocks this file needs,
            // cached for its next change) runs beside the Rust rules on a second thread.
            let query_findings = || {
                let mut out = Vec::new();
                if let Some(combined) = &specialized {
                    budget::with_deadline(deadline, || {
                        run_query(combined, &file, cx, active_blocks, self.registry, deadline, &mut out)
                    })?;
                }
                Ok(out)
            };
            let mut from_query = Ok(Vec::new());
            std::thread::scope(|scope| {
                let query = std::thread::Builder::new()
                    .name("bglint-worker".into())
                    .stack_size(walk::WORKER_STACK_BYTES)
                    .spawn_scoped(scope, query_findings);
                natives(&mut findings);
                from_query = match query {
                    // A panic in a rule reaches the caller's catch_unwind, as it would unthreaded.
                    Ok(handle) => handle.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                    // No thread to be had: run it here.
                    Err(_) => query_findings(),
                };
            });
            match from_query {
                Ok(from_query) => findings.extend(from_query),
                Err(over) => {
                    outcome.skipped = Some(SkipReason::OverBudget(over));
                    return Ok(outcome);
                }
            }
        } else {
            if let Some(combined) = merged {
                let ran = budget::with_deadline(deadline, || {
                    run_query(combined, &file, cx, active_blocks, self.registry, deadline, &mut findings)
                });
                if let Err(over) = ran {
                    outcome.skipped = Some(SkipReason::OverBudget(over));
                    return Ok(outcome);
                }
            }
            natives(&mut findings);
        }

        // Several patterns of one rule can match the same code: report it once.
        findings.sort_by_key(|(r, f)| (f.span.start, f.span.end, *r));
        findings.dedup_by(|(ra, a), (rb, b)| ra == rb && a.span == b.span);
        outcome.diagnostics = findings
            .into_iter()
            .map(|(i, f)| {
                let context = syntax::declaration_path(&file, f.span.start);
                let mut d = self.stamp(i, &source.path, &source.text, f);
                d.context = context;
                d
            })
            .collect();
        Ok(outcome)
    }

    fn stamp(&self, rule_index: usize, path: &Path, text: &Arc<str>, f: Finding) -> Diagnostic {
        let meta = self.registry.rules[rule_index].meta();
        Diagnostic {
            rule: registry_id(self.registry, rule_index),
            severity: meta.severity,
            path: path.to_path_buf(),
            text: text.clone(),
            span: f.span,
            message: f.message,
            help: meta.help.clone(),
            docs_url: meta.docs_url(),
            labels: f.labels,
            fix: f.fix,
            context: String::new(),
        }
    }

    /// Walks `paths`, finds the projects in them and the projects that enclose them (looking
    /// upward too, so `lib/`, one file or a Flutter app's `ios/` use the app's facts), analyses
    /// every Dart, Swift, Kotlin and Java file under `paths` in parallel, then runs the project
    /// checks. Only files under `paths` are reported; the rest of an enclosing project is read
    /// for its configuration and for the signal words project checks ask about, never analysed.
    pub fn check_paths(&self, paths: &[PathBuf], options: &Options) -> anyhow::Result<RunResult> {
        let started = Instant::now();
        let mut given: Vec<(PathBuf, PathBuf)> = Vec::with_capacity(paths.len());
        for p in paths {
            if !p.exists() {
                anyhow::bail!("{}: no such file or directory", p.display());
            }
            let resolved = resolve(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
            given.push((p.clone(), resolved));
        }
        let resolved: Vec<PathBuf> = given.iter().map(|(_, r)| r.clone()).collect();
        let under_given = |path: &Path| resolved.iter().any(|r| path.starts_with(r));
        let mut enclosing: Vec<PathBuf> = resolved
            .iter()
            .filter_map(|r| project::enclosing::enclosing_root(r).filter(|root| root != r && !under_given(root)))
            .collect();
        enclosing.sort();
        enclosing.dedup();
        let outer = enclosing.clone();
        enclosing.retain(|root| !outer.iter().any(|o| o != root && root.starts_with(o)));

        let walked = walk::collect(&resolved, options.threads, is_relevant);
        let context: Vec<PathBuf> = if enclosing.is_empty() {
            Vec::new()
        } else {
            walk::collect(&enclosing, options.threads, |p| is_relevant(p) && !under_given(p))
                .into_iter()
                .filter_map(|w| match w {
                    walk::Walked::File { path, .. } => Some(path),
                    walk::Walked::Unreadable { .. } => None,
                })
                .collect()
        };
        let max = options.max_file_bytes;
        let load_source = move |path: &Path| SourceFile::load(path, max);
        let load_bytes = |path: &Path| -> Result<Vec<u8>, String> { std::fs::read(path).map_err(|e| e.to_string()) };
        let mut result = self.run(walked, context, &load_source, &load_bytes, options)?;
        // Report under the paths as the user wrote them.
        let shown = |path: &Path| display_as_given(path, &given);
        for d in &mut result.diagnostics {
            d.path = shown(&d.path);
            for l in &mut d.labels {
                l.path = shown(&l.path);
            }
        }
        for (path, _) in &mut result.skipped {
            *path = shown(path);
        }
        for path in &mut result.syntax_error_files {
            *path = shown(path);
        }
        let orphans = result.summary.files_without_project;
        if orphans > 0 {
            let files = if orphans == 1 { "1 analysed file".to_string() } else { format!("{orphans} analysed files") };
            result.notes.push(format!(
                "{files} belong to no Flutter, iOS or Android project (no pubspec.yaml, Xcode project or Gradle build \
                 at or above them): cross-file rules could not check them; run from the app's root, or see `bglint projects`"
            ));
        }
        // A file named on the command line that bglint does not analyse is never dropped without
        // a word (found by walking a folder, it is: a folder holds many files bglint does not
        // read). Objective-C is only searched for signal words by project checks: not analysed.
        let not_read: Vec<_> = paths
            .iter()
            .filter(|p| p.is_file() && Language::from_path(p).is_none() && Role::of(p).is_none())
            .map(|p| (p.clone(), SkipReason::NotRead { language: unread_language(p) }))
            .collect();
        if !not_read.is_empty() {
            result.skipped.extend(not_read);
            result.skipped.sort_by(|a, b| a.0.cmp(&b.0));
            result.summary.files_skipped = result.skipped.len();
        }
        result.summary.elapsed = started.elapsed();
        Ok(result)
    }

    /// Analyses files held in memory as if they were a project on disk: for rule examples,
    /// tests and editors. Paths are relative to an imaginary root.
    pub fn check_files(&self, files: &[(PathBuf, String)], options: &Options) -> anyhow::Result<RunResult> {
        let started = Instant::now();
        let lookup = |path: &Path| files.iter().find(|(p, _)| p == path).map(|(_, t)| t.as_bytes().to_vec());
        let load_source = |path: &Path| match lookup(path) {
            Some(bytes) => SourceFile::from_bytes(path, bytes),
            None => Err(SkipReason::Unreadable("not in memory".to_string())),
        };
        let load_bytes = |path: &Path| lookup(path).ok_or_else(|| "not in memory".to_string());
        let walked =
            files.iter().map(|(p, _)| walk::Walked::File { path: p.clone(), explicit: false }).collect::<Vec<_>>();
        let mut result = self.run(walked, Vec::new(), &load_source, &load_bytes, options)?;
        result.summary.elapsed = started.elapsed();
        Ok(result)
    }

    /// Analyses `files` (every file of the workspace, as paths) through caller-given loaders:
    /// for editors, whose open buffers differ from the disk.
    pub fn check_with_loaders(
        &self,
        files: &[PathBuf],
        load_source: &(dyn Fn(&Path) -> Result<SourceFile, SkipReason> + Sync),
        load_bytes: Loader<'_>,
        options: &Options,
    ) -> anyhow::Result<RunResult> {
        let started = Instant::now();
        let walked = files.iter().map(|p| walk::Walked::File { path: p.clone(), explicit: false }).collect();
        let mut result = self.run(walked, Vec::new(), load_source, load_bytes, options)?;
        result.summary.elapsed = started.elapsed();
        Ok(result)
    }

    /// The pipeline shared by disk and memory: discover projects, analyse each code file with
    /// its project's facts, then run the project checks. `context` holds the files of enclosing
    /// projects outside the analysed paths: used for discovery and project-check signals, never
    /// analysed or reported.
    fn run(
        &self,
        walked: Vec<walk::Walked>,
        context: Vec<PathBuf>,
        load_source: &(dyn Fn(&Path) -> Result<SourceFile, SkipReason> + Sync),
        load_bytes: Loader<'_>,
        options: &Options,
    ) -> anyhow::Result<RunResult> {
        let mut result = RunResult::default();
        let mut all_paths = Vec::with_capacity(walked.len());
        let mut code = Vec::new();
        for w in walked {
            match w {
                walk::Walked::Unreadable { path, error } => result.skipped.push((path, SkipReason::Unreadable(error))),
                walk::Walked::File { path, explicit } => {
                    if let Some(lang) = Language::from_path(&path) {
                        let wanted = options.only.as_ref().is_none_or(|only| only.contains(&path));
                        if wanted && (explicit || !walk::is_generated(&path)) {
                            code.push((lang, path.clone(), explicit));
                        }
                    }
                    all_paths.push(path);
                }
            }
        }
        // Files of enclosing projects outside the analysed paths: signals only.
        let context: HashSet<PathBuf> = context.into_iter().collect();
        for path in &context {
            if let Some(lang) = Language::from_path(path) {
                if !walk::is_generated(path) {
                    code.push((lang, path.clone(), false));
                }
            }
            all_paths.push(path.clone());
        }
        let discovery = DiscoveryOptions { assumed_target_sdk: options.assumed_target_sdk };
        let workspace = project::discover::discover(&all_paths, load_bytes, &discovery);
        for (path, error) in &workspace.unreadable {
            result.skipped.push((path.clone(), SkipReason::Unreadable(error.clone())));
        }
        // Each path's project, looked up once per folder (files share folders; projects are many in a monorepo).
        let owners = workspace.owners(&all_paths);
        let owner_of: std::collections::HashMap<&Path, Option<usize>> =
            all_paths.iter().map(PathBuf::as_path).zip(owners.iter().copied()).collect();
        let seen: Vec<Mutex<HashSet<String>>> = workspace.projects.iter().map(|_| Mutex::new(HashSet::new())).collect();

        let marked: Mutex<Vec<(PathBuf, Arc<str>)>> = Mutex::new(Vec::new());
        let results = Mutex::new(result);
        let failure: Mutex<Option<anyhow::Error>> = Mutex::new(None);
        let record = |f: &mut dyn FnMut(&mut RunResult)| f(&mut results.lock().unwrap_or_else(|e| e.into_inner()));
        // Test code is left out (named files always count): by its place in its project, or
        // for Swift by importing a test framework.
        let is_test_path = |path: &Path, project: Option<usize>| {
            let Some(i) = project else { return false };
            path.strip_prefix(&workspace.projects[i].root).is_ok_and(project::test_code::is_test_path)
        };
        let skip_tests = !options.include_tests;
        walk::parallel(code, options.threads, |(lang, path, explicit)| {
            let project = owner_of.get(path.as_path()).copied().flatten();
            let test_path = skip_tests && !explicit && is_test_path(&path, project);
            if context.contains(&path) {
                if test_path {
                    return;
                }
                // Outside the analysed paths: only the signal words project checks ask about.
                let Some(i) = project else { return };
                let known = Known::of(&workspace.projects[i]);
                if !self.wants_signals(lang, known) {
                    return;
                }
                if let Ok(source) = load_source(&path) {
                    if skip_tests && lang == Language::Swift && project::test_code::imports_test_framework(&source.text)
                    {
                        return;
                    }
                    let signals = self.signals_in(self.plan(lang), &source.text, known);
                    seen[i].lock().unwrap_or_else(|e| e.into_inner()).extend(signals);
                }
                return;
            }
            if test_path {
                record(&mut |r| r.summary.test_files_excluded += 1);
                return;
            }
            let source = match load_source(&path) {
                Ok(s) => s,
                Err(reason) => {
                    record(&mut |r| {
                        r.summary.files_analyzed += 1;
                        r.summary.files_without_project += usize::from(project.is_none());
                        r.skipped.push((path.clone(), reason.clone()));
                    });
                    return;
                }
            };
            if skip_tests
                && !explicit
                && lang == Language::Swift
                && project::test_code::imports_test_framework(&source.text)
            {
                record(&mut |r| r.summary.test_files_excluded += 1);
                return;
            }
            if project.is_none() {
                record(&mut |r| r.summary.files_without_project += 1);
            }
            if source.text.contains(suppress::MARKER) {
                marked.lock().unwrap_or_else(|e| e.into_inner()).push((source.path.clone(), source.text.clone()));
            }
            let known = project.map(|i| Known::of(&workspace.projects[i])).unwrap_or_default();
            let (active, signals) = self.prefilter(lang, &source.text, known);
            let active = if options.prefilter { active } else { Some(self.all_rules(lang)) };
            if let (Some(i), false) = (project, signals.is_empty()) {
                seen[i].lock().unwrap_or_else(|e| e.into_inner()).extend(signals);
            }
            let Some(active) = active else {
                record(&mut |r| r.summary.files_analyzed += 1);
                return;
            };
            let cx = RuleContext { project: project.map(|i| &workspace.projects[i]) };
            // A defect in one rule must not end the run: the file is reported as skipped.
            let checked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.analyze_reusing(lang, &source, &active, &cx, options.trees.as_deref(), options.file_time_limit)
            }))
            .unwrap_or_else(|payload| {
                // A rule that ran out of time unwinds with the budget it exceeded.
                let reason = match payload.downcast_ref::<budget::OverBudget>() {
                    Some(over) => SkipReason::OverBudget(*over),
                    None => SkipReason::InternalError(panic_message(&payload)),
                };
                Ok(FileOutcome { skipped: Some(reason), ..FileOutcome::default() })
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
        });
        if let Some(e) = failure.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(e);
        }
        let mut result = results.into_inner().unwrap_or_else(|e| e.into_inner());

        // Collect, then check: project checks see what the file pass recorded. Each path's
        // project is looked up once.
        let mut sources: Vec<Vec<PathBuf>> = vec![Vec::new(); workspace.projects.len()];
        let mut dependency_lists: Vec<Vec<PathBuf>> = vec![Vec::new(); workspace.projects.len()];
        for (path, owner) in all_paths.iter().zip(&owners) {
            let is_source = Language::from_path(path).is_some() || is_other_source(path);
            let is_dependency_list = Role::of(path) == Some(Role::DependencyList);
            if !is_source && !is_dependency_list {
                continue;
            }
            if let Some(i) = *owner {
                if is_source {
                    sources[i].push(path.clone());
                } else {
                    dependency_lists[i].push(path.clone());
                }
            }
            // A dependency list beside a project (a React Native root above ios/) speaks for it too.
            if is_dependency_list {
                for (i, project) in workspace.projects.iter().enumerate() {
                    if project.root.parent().is_some_and(|beside| path.parent() == Some(beside)) {
                        dependency_lists[i].push(path.clone());
                    }
                }
            }
        }
        for (i, project) in workspace.projects.iter().enumerate() {
            if options.only.is_some() {
                break;
            }
            let source_files = std::mem::take(&mut sources[i]);
            let other_sources = source_files.iter().filter(|p| is_other_source(p)).cloned().collect();
            let dependency_lists = std::mem::take(&mut dependency_lists[i]);
            let seen = std::mem::take(&mut *seen[i].lock().unwrap_or_else(|e| e.into_inner()));
            let code = ProjectCode { seen, source_files, other_sources, dependency_lists, load: load_bytes };
            for (rule_index, rule) in self.registry.rules.iter().enumerate() {
                let RuleImpl::Native(n) = rule else { continue };
                let Some(check) = n.project_check else { continue };
                let mut out = Vec::new();
                check(project, &code, &mut out);
                for f in out {
                    let d = self.stamp(rule_index, &f.path, &f.text, f.finding);
                    result.diagnostics.push(d);
                }
            }
        }
        let mut marked = marked.into_inner().unwrap_or_else(|e| e.into_inner());
        for project in &workspace.projects {
            for file in project.config_files() {
                if file.text.contains(suppress::MARKER) {
                    marked.push((file.path.clone(), file.text.clone()));
                }
            }
        }
        self.apply_suppressions(&mut result, marked, options);
        if !context.is_empty() {
            result.diagnostics.retain(|d| !context.contains(&d.path));
        }
        finish(&mut result);
        result.rules = self.reported_rules(&result.diagnostics);
        Ok(result)
    }
}

impl Engine {
    /// Drops the findings `bglint-ignore` comments cover, and reports each comment that silenced
    /// nothing, names an unknown rule or (when required) gives no reason.
    fn apply_suppressions(&self, result: &mut RunResult, marked: Vec<(PathBuf, Arc<str>)>, options: &Options) {
        let Some(own) = self.registry.rules.iter().position(|r| r.meta().id == "unused-suppression") else { return };
        let mut report = Vec::new();
        for (path, text) in marked {
            let directives = suppress::directives(&path, &text);
            if directives.is_empty() {
                continue;
            }
            let lines = crate::source::LineIndex::new(&text);
            let (mut here, rest): (Vec<Diagnostic>, Vec<Diagnostic>) =
                std::mem::take(&mut result.diagnostics).into_iter().partition(|d| d.path == path);
            let applied = suppress::apply(&mut here, directives, |d| d.rule, |d| lines.line_of(d.span.start));
            result.diagnostics = rest;
            result.diagnostics.extend(here);
            for a in applied {
                let mut problems: Vec<(String, Severity)> = Vec::new();
                for (id, used) in a.directive.rules.iter().zip(&a.used) {
                    if self.registry.get(id).is_none() {
                        problems.push((
                            format!("`bglint-ignore` names `{id}`, which is not a bglint rule."),
                            Severity::Warning,
                        ));
                    } else if !used {
                        problems.push((
                            format!("This `bglint-ignore` silences nothing: no `{id}` finding here."),
                            Severity::Warning,
                        ));
                    }
                }
                if a.directive.rules.is_empty() {
                    problems.push(("This `bglint-ignore` names no rule.".to_string(), Severity::Warning));
                }
                if options.require_suppression_reason && a.directive.reason.is_none() {
                    problems.push(("This `bglint-ignore` gives no reason after `:`.".to_string(), Severity::Error));
                }
                for (message, severity) in problems {
                    let mut d = self.stamp(own, &path, &text, Finding::new(a.directive.span.clone(), message));
                    d.severity = d.severity.max(severity);
                    report.push(d);
                }
            }
        }
        result.diagnostics.extend(report);
    }

    /// Metadata of each rule that reported something, for reporters.
    fn reported_rules(&self, diagnostics: &[Diagnostic]) -> Vec<RuleInfo> {
        let mut ids: Vec<&'static str> = diagnostics.iter().map(|d| d.rule).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .filter_map(|id| self.registry.rules.iter().find(|r| r.meta().id == id))
            .map(|r| {
                let meta = r.meta();
                RuleInfo {
                    id: registry_rule_id(r),
                    summary: meta.summary.clone(),
                    help: meta.help.clone(),
                    docs_url: meta.docs_url(),
                    default_severity: meta.severity,
                }
            })
            .collect()
    }
}

/// Which project facts a file's project has: a per-file rule that reads an Info.plist (and no
/// manifest) cannot fire without an app Info.plist, and likewise for the manifest, so such rules
/// need not run, and a file only they would parse is not parsed.
#[derive(Debug, Clone, Copy, Default)]
struct Known {
    ios_app: bool,
    android_app: bool,
}

impl Known {
    fn of(project: &project::model::Project) -> Known {
        Known { ios_app: project.ios_app().is_some(), android_app: project.android_app().is_some() }
    }

    fn allows(self, meta: &crate::rules::meta::RuleMeta) -> bool {
        let reads = |k: ConfigKind| meta.config.contains(&k);
        let needs_ios = reads(ConfigKind::InfoPlist) && !reads(ConfigKind::Manifest);
        let needs_android = reads(ConfigKind::Manifest) && !reads(ConfigKind::InfoPlist);
        (!needs_ios || self.ios_app) && (!needs_android || self.android_app)
    }
}

/// Sorts what a run produced and counts it.
fn finish(result: &mut RunResult) {
    result.diagnostics.sort_by(|a, b| (&a.path, a.span.start, a.rule).cmp(&(&b.path, b.span.start, b.rule)));
    result
        .diagnostics
        .dedup_by(|a, b| a.rule == b.rule && a.path == b.path && a.span == b.span && a.message == b.message);
    result.skipped.sort_by(|a, b| a.0.cmp(&b.0));
    result.syntax_error_files.sort();
    result.summary.files_skipped = result.skipped.len();
    result.summary.files_incomplete = result.incomplete_files();
    result.summary.files_with_syntax_errors = result.syntax_error_files.len();
    result.recount();
}

/// Whether the walk keeps a file: code, a project file, or an Objective-C source.
pub fn is_relevant(path: &Path) -> bool {
    Language::from_path(path).is_some() || Role::of(path).is_some() || is_other_source(path)
}

/// Objective-C sources: not parsed, but searched when a project check asks whether the project
/// uses an API at all. (Java is parsed, and its signal words are recorded in the file pass.)
fn is_other_source(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("m" | "mm" | "h"))
}

/// The language of a source file bglint does not read, for the note that says so.
fn unread_language(path: &Path) -> Option<&'static str> {
    let ext = path.extension().and_then(|e| e.to_str())?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "m" | "mm" | "h" => "Objective-C",
        "c" => "C",
        "cc" | "cpp" | "cxx" | "hpp" => "C++",
        "py" => "Python",
        "js" | "jsx" | "mjs" => "JavaScript",
        "ts" | "tsx" => "TypeScript",
        "cs" => "C#",
        "scala" => "Scala",
        "groovy" => "Groovy",
        "rb" => "Ruby",
        "go" => "Go",
        "rs" => "Rust",
        _ => return None,
    })
}

fn panic_message(payload: &Box<dyn std::any::Any + Send>) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string())
}

fn registry_id(registry: &'static Registry, index: usize) -> &'static str {
    registry_rule_id(&registry.rules[index])
}

fn registry_rule_id(rule: &'static RuleImpl) -> &'static str {
    rule.meta().id.as_str()
}

/// Runs the merged query over the file; `Err` when the deadline passed first (tree-sitter's
/// matcher is quadratic in the width of a node, and hostile input makes nodes 300,000 wide).
fn run_query<'t>(
    combined: &CombinedQuery,
    file: &'t ParsedFile<'_>,
    cx: &RuleContext<'_>,
    active_blocks: &[Vec<bool>],
    registry: &Registry,
    deadline: budget::Deadline,
    findings: &mut Vec<(usize, Finding)>,
) -> Result<(), budget::OverBudget> {
    let mut cursor = tree_sitter::QueryCursor::new();
    let names = combined.query.capture_names();
    let mut progress = |_: &tree_sitter::QueryCursorState| deadline.passed();
    let options = tree_sitter::QueryCursorOptions::new().progress_callback(&mut progress);
    let mut matches = cursor.matches_with_options(&combined.query, file.root(), file.text().as_bytes(), options);
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
        if let Some(f) = declarative::evaluate(block, file, cx, &capture) {
            findings.push((rule_index, f));
        }
    }
    if deadline.passed() {
        return Err(deadline.exceeded(budget::Phase::Rules));
    }
    Ok(())
}

/// Convenience for tests and editors: analyse a text as if it were the file at `path`.
pub fn check_text(engine: &Engine, path: &Path, text: &str) -> anyhow::Result<FileOutcome> {
    let lang = Language::from_path(path)
        .ok_or_else(|| anyhow::anyhow!("{}: not a Dart, Swift, Kotlin or Java file", path.display()))?;
    engine.check_source(lang, &SourceFile::new(path, text))
}

/// `path` (resolved) as the user would name it: under the path they gave, in their spelling;
/// elsewhere (a label into an enclosing project's Info.plist), relative to the working folder.
fn display_as_given(path: &Path, given: &[(PathBuf, PathBuf)]) -> PathBuf {
    let best = given.iter().filter(|(_, r)| path.starts_with(r)).max_by_key(|(_, r)| r.components().count());
    if let Some((spelled, resolved)) = best {
        let rest = path.strip_prefix(resolved).unwrap_or(Path::new(""));
        return if rest.as_os_str().is_empty() { spelled.clone() } else { spelled.join(rest) };
    }
    let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) else { return path.to_path_buf() };
    relative_to(path, &cwd).unwrap_or_else(|| path.to_path_buf())
}

/// `path` absolute with symlinks resolved, except a file's own name: a symlinked file keeps the
/// name (and extension) it was given by.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    if path.is_dir() {
        return path.canonicalize();
    }
    let absolute = std::path::absolute(path)?;
    match (absolute.parent(), absolute.file_name()) {
        (Some(dir), Some(name)) => Ok(dir.canonicalize()?.join(name)),
        _ => absolute.canonicalize(),
    }
}

/// `path` relative to the folder `base` (both absolute), with `..` where needed.
fn relative_to(path: &Path, base: &Path) -> Option<PathBuf> {
    let common = path.components().zip(base.components()).take_while(|(a, b)| a == b).count();
    // Sharing only the filesystem root: the absolute path reads better.
    if common <= 1 {
        return None;
    }
    let mut out = PathBuf::new();
    for _ in base.components().skip(common) {
        out.push("..");
    }
    for c in path.components().skip(common) {
        out.push(c);
    }
    Some(out)
}
