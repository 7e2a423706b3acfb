//! Declarative rules: a TOML file per rule under `rules/`, holding tree-sitter queries and the
//! predicates this domain needs (durations, lifecycle contexts, argument values).
//!
//! All of one language's queries are merged into one compiled query, so one pass over a file
//! serves every declarative rule (ast-grep's combined scan is the model).

use anyhow::{anyhow, bail, Context as _};
use serde::Deserialize;

use crate::diagnostics::{Finding, Label, Severity};
use crate::lang::duration::{self, Unit};
use crate::lang::lifecycle::{self, Context};
use crate::lang::platform::{self, Os};
use crate::lang::syntax::{as_call, Call};
use crate::lang::{Language, Node, ParsedFile};
use crate::project::facts::{short_permission, ConfigKind};
use crate::project::model::IosSide;

use super::meta::{Docs, Example, FixAvailability, Platform, ProjectExample, RuleMeta};
use super::RuleContext;

/// The file format of `rules/**/<id>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    id: String,
    platform: Platform,
    category: String,
    severity: Severity,
    summary: String,
    help: String,
    #[serde(default = "no_fix")]
    fix: FixAvailability,
    also_reported_by: Option<String>,
    docs: Docs,
    /// Project files the rule reads (`info-plist`, `manifest`, …), for the docs.
    #[serde(default)]
    config: Vec<ConfigKind>,
    #[serde(rename = "match")]
    matches: Vec<MatchSpec>,
    #[serde(default)]
    bad: Vec<Example>,
    #[serde(default)]
    good: Vec<Example>,
    #[serde(default)]
    bad_project: Vec<ProjectExample>,
    #[serde(default)]
    good_project: Vec<ProjectExample>,
}

fn no_fix() -> FixAvailability {
    FixAvailability::None
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MatchSpec {
    language: Language,
    /// Prefilter: at least one must occur in the file's text.
    keywords: Vec<String>,
    /// A second prefilter group: when given, at least one of these must occur too.
    #[serde(default)]
    also_keywords: Vec<String>,
    query: String,
    /// The capture whose span is reported.
    report: String,
    /// When given, the reported span runs from `report`'s start to this capture's end
    /// (`Timer.scheduledTimer(…)` without its multi-line trailing closure).
    report_to: Option<String>,
    message: String,
    #[serde(default, rename = "where")]
    predicates: Vec<PredicateSpec>,
}

/// One `where` entry as written; exactly one of `duration`, `argument`, `inside`,
/// `not_inside`, `file_lacks` selects its kind.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PredicateSpec {
    duration: Option<String>,
    argument: Option<String>,
    inside: Option<Context>,
    not_inside: Option<Context>,
    file_lacks: Option<Vec<String>>,
    /// Holds unless the captured code (a timer call with its callback) measures elapsed time
    /// (`timeIntervalSince`, `fireDate`, …) and the timer is invalidated (in the callback or
    /// elsewhere in the file): its author relies on it not firing while the app is suspended.
    unless_measures_elapsed: Option<String>,
    /// Holds when the file's project has a known iOS app Info.plist that lacks this background mode.
    ios_mode_missing: Option<String>,
    /// Holds when the file's project has a known Android app manifest declaring none of these permissions.
    android_permission_missing: Option<Vec<String>>,
    /// Holds when the file's project lists this package in pubspec.yaml `dependencies`
    /// (`"workmanager"`, or `"workmanager >=0.6"` for a constraint allowing at least 0.6).
    depends_on: Option<String>,
    /// Holds when the app's Info.plist shows some background-task setup (a permitted-identifier
    /// list, or the `fetch` or `processing` mode): for Dart plugin calls, which apps often make
    /// only on Android.
    ios_background_tasks_configured: Option<bool>,
    /// Holds unless the code is gated to the other OS (`if (Platform.isAndroid)`, `AndroidSettings(…)`).
    runs_on: Option<Os>,
    /// Holds when the file's project builds an Android app whose targetSdk (read, or assumed when
    /// Gradle names a value bglint cannot resolve) is at least this.
    target_sdk_at_least: Option<u32>,
    /// For `duration`/`argument` on a call: the labelled argument to read.
    label: Option<String>,
    /// For `duration` on a call: the argument index.
    arg: Option<usize>,
    /// For `duration` with `arg`: the API takes `(amount, TimeUnit)` or a duration object.
    #[serde(default)]
    unit_follows: bool,
    /// What a bare number means.
    unit: Option<Unit>,
    below: Option<String>,
    above: Option<String>,
    /// For `argument`: the exact source text the argument must have.
    equals: Option<String>,
}

#[derive(Debug, Clone)]
enum ArgSelector {
    Whole,
    Label(String),
    Index { index: usize, unit_follows: bool },
}

#[derive(Debug, Clone)]
enum Predicate {
    Duration {
        capture: String,
        select: ArgSelector,
        unit: Unit,
        below: Option<f64>,
        above: Option<f64>,
    },
    Argument {
        capture: String,
        label: String,
        equals: String,
    },
    Inside(Context),
    NotInside(Context),
    FileLacks(Vec<String>),
    UnlessMeasuresElapsed(String),
    IosModeMissing(String),
    AndroidPermissionMissing(Vec<String>),
    /// A package, and optionally the lowest version (major, minor) its constraint must allow.
    DependsOn(String, Option<(u64, u64)>),
    RunsOn(Os),
    IosBackgroundTasksConfigured(bool),
    TargetSdkAtLeast(u32),
}

/// One `[[match]]` block, compiled.
#[derive(Debug, Clone)]
pub struct MatchBlock {
    pub language: Language,
    pub keywords: Vec<String>,
    pub also_keywords: Vec<String>,
    pub query: String,
    report: String,
    report_to: Option<String>,
    message: String,
    predicates: Vec<Predicate>,
}

impl MatchBlock {
    /// Whether the prefilter lets this block run on a file whose text contains `has(keyword)`.
    pub fn prefilter(&self, has: impl Fn(&str) -> bool) -> bool {
        self.keywords.iter().any(|k| has(k))
            && (self.also_keywords.is_empty() || self.also_keywords.iter().any(|k| has(k)))
    }
}

/// A declarative rule: metadata plus its match blocks.
#[derive(Debug, Clone)]
pub struct DeclarativeRule {
    pub meta: RuleMeta,
    pub blocks: Vec<MatchBlock>,
}

/// Parses and validates one rule file. `origin` names it in errors.
pub fn load(origin: &str, text: &str) -> anyhow::Result<DeclarativeRule> {
    let file: RuleFile = toml::from_str(text).with_context(|| format!("invalid rule file {origin}"))?;
    let stem = std::path::Path::new(origin).file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if !stem.is_empty() && stem != file.id {
        bail!("{origin}: rule id `{}` does not match the file name `{stem}`", file.id);
    }
    let mut blocks = Vec::new();
    let mut languages = Vec::new();
    for (i, m) in file.matches.into_iter().enumerate() {
        let where_ = format!("{origin}: match #{}", i + 1);
        // Queries are compiled once, merged per language, when a file first needs them:
        // compiling each block here as well cost a third of a second at every start-up.
        // A capture a predicate names must still appear in the query.
        let need = |name: &str| -> anyhow::Result<String> {
            if has_capture(&m.query, name) {
                Ok(name.to_string())
            } else {
                bail!("{where_}: capture `@{name}` is not in the query")
            }
        };
        need(&m.report)?;
        if let Some(to) = &m.report_to {
            need(to)?;
        }
        if m.keywords.is_empty() {
            bail!("{where_}: `keywords` must name at least one literal the matched code contains");
        }
        let mut predicates = Vec::new();
        for p in m.predicates {
            predicates.push(compile_predicate(&where_, p, &need, m.language)?);
        }
        if !languages.contains(&m.language) {
            languages.push(m.language);
        }
        blocks.push(MatchBlock {
            language: m.language,
            keywords: m.keywords,
            also_keywords: m.also_keywords,
            query: m.query,
            report: m.report,
            report_to: m.report_to,
            message: m.message,
            predicates,
        });
    }
    if blocks.is_empty() {
        bail!("{origin}: a rule needs at least one [[match]] block");
    }
    let meta = RuleMeta {
        id: file.id,
        platform: file.platform,
        languages,
        config: file.config,
        category: file.category,
        severity: file.severity,
        summary: file.summary,
        help: file.help,
        docs: file.docs,
        fix: file.fix,
        also_reported_by: file.also_reported_by,
        bad: file.bad,
        good: file.good,
        bad_projects: file.bad_project,
        good_projects: file.good_project,
    };
    Ok(DeclarativeRule { meta, blocks })
}

fn compile_predicate(
    where_: &str,
    p: PredicateSpec,
    need: &dyn Fn(&str) -> anyhow::Result<String>,
    lang: Language,
) -> anyhow::Result<Predicate> {
    let kinds = [
        p.duration.is_some(),
        p.argument.is_some(),
        p.inside.is_some(),
        p.not_inside.is_some(),
        p.file_lacks.is_some(),
        p.unless_measures_elapsed.is_some(),
        p.ios_mode_missing.is_some(),
        p.android_permission_missing.is_some(),
        p.depends_on.is_some(),
        p.runs_on.is_some(),
        p.target_sdk_at_least.is_some(),
        p.ios_background_tasks_configured.is_some(),
    ];
    if kinds.iter().filter(|k| **k).count() != 1 {
        bail!(
            "{where_}: each `where` entry needs exactly one of duration, argument, inside, not_inside, file_lacks, \
             unless_measures_elapsed, \
             ios_mode_missing, android_permission_missing, depends_on, runs_on, target_sdk_at_least, \
             ios_background_tasks_configured"
        );
    }
    let threshold = |t: &Option<String>| -> anyhow::Result<Option<f64>> {
        t.as_deref()
            .map(|s| {
                duration::parse_threshold(s)
                    .ok_or_else(|| anyhow!("{where_}: bad duration `{s}` (use 15m, 60s, 500ms, 1h)"))
            })
            .transpose()
    };
    if let Some(capture) = p.duration {
        let select = match (p.label, p.arg) {
            (Some(l), None) => ArgSelector::Label(l),
            (None, Some(index)) => ArgSelector::Index { index, unit_follows: p.unit_follows },
            (None, None) => ArgSelector::Whole,
            (Some(_), Some(_)) => bail!("{where_}: give `label` or `arg`, not both"),
        };
        let (below, above) = (threshold(&p.below)?, threshold(&p.above)?);
        if below.is_none() && above.is_none() {
            bail!("{where_}: a duration predicate needs `below` or `above`");
        }
        let default_unit = match lang {
            Language::Swift => Unit::Seconds,
            Language::Dart | Language::Kotlin | Language::Java => Unit::Milliseconds,
        };
        return Ok(Predicate::Duration {
            capture: need(&capture)?,
            select,
            unit: p.unit.unwrap_or(default_unit),
            below,
            above,
        });
    }
    if let Some(capture) = p.argument {
        let label = p.label.ok_or_else(|| anyhow!("{where_}: `argument` needs `label`"))?;
        let equals = p.equals.ok_or_else(|| anyhow!("{where_}: `argument` needs `equals`"))?;
        return Ok(Predicate::Argument { capture: need(&capture)?, label, equals });
    }
    if let Some(c) = p.inside {
        return Ok(Predicate::Inside(c));
    }
    if let Some(c) = p.not_inside {
        return Ok(Predicate::NotInside(c));
    }
    if let Some(capture) = p.unless_measures_elapsed {
        return Ok(Predicate::UnlessMeasuresElapsed(need(&capture)?));
    }
    if let Some(mode) = p.ios_mode_missing {
        return Ok(Predicate::IosModeMissing(mode));
    }
    if let Some(names) = p.android_permission_missing {
        if names.is_empty() {
            bail!("{where_}: `android_permission_missing` needs at least one permission");
        }
        return Ok(Predicate::AndroidPermissionMissing(names));
    }
    if let Some(spec) = p.depends_on {
        // `workmanager` or `workmanager >=0.6`.
        let (package, min) = match spec.split_once(">=") {
            Some((name, version)) => {
                let min = crate::project::model::lower_bound(version)
                    .ok_or_else(|| anyhow!("{where_}: bad version in `depends_on = \"{spec}\"`"))?;
                (name.trim().to_string(), Some(min))
            }
            None => (spec.trim().to_string(), None),
        };
        return Ok(Predicate::DependsOn(package, min));
    }
    if let Some(os) = p.runs_on {
        return Ok(Predicate::RunsOn(os));
    }
    if let Some(expected) = p.ios_background_tasks_configured {
        return Ok(Predicate::IosBackgroundTasksConfigured(expected));
    }
    if let Some(level) = p.target_sdk_at_least {
        return Ok(Predicate::TargetSdkAtLeast(level));
    }
    Ok(Predicate::FileLacks(p.file_lacks.unwrap_or_default()))
}

/// Whether `@name` occurs in a query as a whole capture name.
fn has_capture(query: &str, name: &str) -> bool {
    let pattern = format!("@{name}");
    query.match_indices(&pattern).any(|(i, _)| {
        let next = query[i + pattern.len()..].chars().next();
        !next.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '-' || c == '.')
    })
}

/// Code that compares a time with now: a callback using it measures how long the app was away.
const ELAPSED_TIME_WORDS: &[&str] =
    &["timeIntervalSince", "fireDate", "CFAbsoluteTimeGetCurrent", "systemUptime", ".distance(to:"];

/// The call a capture denotes: the call itself, or the call owning an argument list.
fn call_of<'t>(file: &'t ParsedFile<'_>, node: Node<'t>) -> Option<Call<'t>> {
    std::iter::successors(Some(node), |n| n.parent()).take(3).find_map(|n| as_call(file, n))
}

/// Evaluates a block's predicates on one query match. Returns the finding when all hold.
pub fn evaluate<'t>(
    block: &MatchBlock,
    file: &'t ParsedFile<'_>,
    cx: &RuleContext<'_>,
    capture: &dyn Fn(&str) -> Option<Node<'t>>,
) -> Option<Finding> {
    let report = capture(&block.report)?;
    let mut duration_text = None;
    let mut target_sdk = None;
    let mut labels = Vec::new();
    for p in &block.predicates {
        let ok = match p {
            Predicate::Duration { capture: c, select, unit, below, above } => {
                let node = capture(c)?;
                let ms = match select {
                    ArgSelector::Whole => duration::millis(file, node, *unit),
                    ArgSelector::Label(l) => {
                        let call = call_of(file, node)?;
                        duration::millis(file, call.arg(l)?.value, *unit)
                    }
                    ArgSelector::Index { index, unit_follows } => {
                        let call = call_of(file, node)?;
                        duration::millis_of_args(file, &call.args, *index, *unit, *unit_follows)
                    }
                };
                // Unknown value: stay silent.
                let ms = ms?;
                duration_text.get_or_insert_with(|| duration::human(ms));
                below.is_none_or(|b| ms < b) && above.is_none_or(|a| ms > a)
            }
            Predicate::Argument { capture: c, label, equals } => {
                let call = call_of(file, capture(c)?)?;
                call.arg(label).is_some_and(|a| file.node_text(a.value) == equals)
            }
            Predicate::Inside(ctx) => lifecycle::is_inside(file, report, *ctx),
            Predicate::NotInside(ctx) => !lifecycle::is_inside(file, report, *ctx),
            Predicate::FileLacks(words) => !words.iter().any(|w| file.text().contains(w.as_str())),
            Predicate::UnlessMeasuresElapsed(c) => {
                let code = file.node_text(capture(c)?);
                let measures = ELAPSED_TIME_WORDS.iter().any(|w| code.contains(w));
                let invalidated = code.contains("invalidate()") || file.text().contains(".invalidate()");
                !(measures && invalidated)
            }
            Predicate::IosModeMissing(mode) => {
                let ios = cx.project.and_then(|p| p.ios_app())?;
                if ios.has_mode(mode) {
                    return None;
                }
                labels.push(missing_mode_label(ios, mode));
                true
            }
            Predicate::AndroidPermissionMissing(names) => {
                let android = cx.project.and_then(|p| p.android_app())?;
                if names.iter().any(|n| android.permission(n).is_some()) {
                    return None;
                }
                let main = android.main_manifest();
                let listed = names.iter().map(|n| short_permission(n)).collect::<Vec<_>>().join(" or ");
                labels.push(Label::in_config(
                    &main.file,
                    main.facts.manifest_span.clone(),
                    format!("this manifest declares no {listed}"),
                ));
                true
            }
            Predicate::DependsOn(package, None) => cx.project.is_some_and(|p| p.depends_on(package)),
            Predicate::DependsOn(package, Some(min)) => {
                cx.project.is_some_and(|p| p.depends_on_at_least(package, *min))
            }
            Predicate::RunsOn(os) => platform::may_run_on(file, report, *os),
            Predicate::IosBackgroundTasksConfigured(expected) => {
                cx.project.and_then(|p| p.ios_app()).is_some_and(|ios| ios.configures_background_tasks() == *expected)
            }
            Predicate::TargetSdkAtLeast(level) => {
                let android = cx.project.and_then(|p| p.android_app())?;
                let target = &android.target_sdk;
                if target.level < *level {
                    return None;
                }
                target_sdk = Some(target.describe());
                if let Some((file, span)) = &target.source {
                    labels.push(Label::in_config(file, span.clone(), target.describe()));
                }
                true
            }
        };
        if !ok {
            return None;
        }
    }
    let message = render_message(&block.message, duration_text.as_deref(), target_sdk.as_deref(), file, capture);
    let mut span = report.byte_range();
    if let Some(to) = block.report_to.as_deref().and_then(capture) {
        span.end = span.end.max(to.end_byte());
    }
    let mut finding = Finding::new(span, message);
    finding.labels = labels;
    Some(finding)
}

/// A label on the Info.plist that should declare `mode` (shared with Rust rules).
pub fn missing_mode_label(ios: &IosSide, mode: &str) -> Label {
    let (file, span) = ios.modes_anchor();
    let has_key = ios.app_plists().any(|p| p.facts.background_modes.is_some());
    let message = if has_key {
        format!("UIBackgroundModes here does not include `{mode}`")
    } else {
        format!("this Info.plist declares no UIBackgroundModes (`{mode}` is needed)")
    };
    Label::in_config(file, span, message)
}

/// Fills `{duration}`, `{target_sdk}` and `{capture-name}` placeholders.
fn render_message<'t>(
    template: &str,
    duration: Option<&str>,
    target_sdk: Option<&str>,
    file: &'t ParsedFile<'_>,
    capture: &dyn Fn(&str) -> Option<Node<'t>>,
) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        let value = match name {
            "duration" => duration.map(str::to_string),
            "target_sdk" => target_sdk.map(str::to_string),
            _ => capture(name).map(|n| {
                let t = file.node_text(n);
                let one_line = t.lines().next().unwrap_or("");
                if one_line.chars().count() > 60 {
                    format!("{}…", one_line.chars().take(60).collect::<String>())
                } else {
                    one_line.to_string()
                }
            }),
        };
        out.push_str(value.as_deref().unwrap_or(&rest[open..=open + close]));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}

/// All declarative blocks of one language, merged into one compiled query.
pub struct CombinedQuery {
    pub query: tree_sitter::Query,
    /// For each pattern index: (rule index in the registry, block index in the rule).
    pub owners: Vec<(usize, usize)>,
}

impl CombinedQuery {
    pub fn build(lang: Language, rules: &[(usize, &DeclarativeRule)]) -> anyhow::Result<Option<CombinedQuery>> {
        Self::build_selected(lang, rules, |_, _| true)
    }

    /// Like [`build`](Self::build), with only the blocks `keep(rule index, block index)` accepts:
    /// fewer patterns match faster, which matters when one file is re-checked on every keystroke.
    pub fn build_selected(
        lang: Language,
        rules: &[(usize, &DeclarativeRule)],
        keep: impl Fn(usize, usize) -> bool,
    ) -> anyhow::Result<Option<CombinedQuery>> {
        let mut source = String::new();
        let mut ranges = Vec::new(); // (start byte, rule, block)
        for (rule_index, rule) in rules {
            for (block_index, block) in rule.blocks.iter().enumerate() {
                if block.language == lang && keep(*rule_index, block_index) {
                    ranges.push((source.len(), *rule_index, block_index));
                    source.push_str(&block.query);
                    source.push('\n');
                }
            }
        }
        if ranges.is_empty() {
            return Ok(None);
        }
        let query = tree_sitter::Query::new(&lang.grammar(), &source).map_err(|merged| {
            // Name the rule at fault: compile its blocks one by one (only on this error path).
            let culprit = rules.iter().find_map(|(_, rule)| {
                rule.blocks.iter().enumerate().filter(|(_, b)| b.language == lang).find_map(|(i, b)| {
                    tree_sitter::Query::new(&lang.grammar(), &b.query)
                        .err()
                        .map(|e| format!("rule `{}`, match #{}: {e}", rule.meta.id, i + 1))
                })
            });
            anyhow!("{} query does not compile: {}", lang.name(), culprit.unwrap_or_else(|| merged.to_string()))
        })?;
        let owners = (0..query.pattern_count())
            .map(|p| {
                let start = query.start_byte_for_pattern(p);
                let i = ranges.partition_point(|(s, _, _)| *s <= start) - 1;
                (ranges[i].1, ranges[i].2)
            })
            .collect();
        Ok(Some(CombinedQuery { query, owners }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(query: &str, report: &str) -> String {
        format!(
            r#"id = "test-rule"
platform = "ios"
category = "timers"
severity = "warning"
summary = "s"
help = "h"
[docs]
what = "w"
why = "y"
instead = "i"
sources = ["https://example.org"]
[[match]]
language = "swift"
keywords = ["Timer"]
query = '''{query}'''
report = "{report}"
message = "m"
[[bad]]
lang = "swift"
code = "«Timer()»"
[[good]]
lang = "swift"
code = "x"
"#
        )
    }

    #[test]
    fn captures_are_checked_as_whole_names() {
        assert!(has_capture("(call_expression) @call", "call"));
        assert!(!has_capture("(call_expression) @callee", "call"));
        assert!(has_capture("(x) @call (#eq? @call \"a\")", "call"));
        let err = load("rules/ios/test-rule.toml", &rule("(call_expression) @callee", "call")).unwrap_err();
        assert!(format!("{err:#}").contains("capture `@call` is not in the query"), "{err:#}");
    }

    #[test]
    fn a_broken_query_is_reported_with_its_rule() {
        let good = load("rules/ios/test-rule.toml", &rule("(call_expression) @call", "call")).unwrap();
        let mut broken = load("rules/ios/test-rule.toml", &rule("(no_such_node) @call", "call")).unwrap();
        broken.meta.id = "broken-rule".into();
        let err = CombinedQuery::build(Language::Swift, &[(0, &good), (1, &broken)]).err().expect("fails");
        assert!(format!("{err:#}").contains("rule `broken-rule`, match #1"), "{err:#}");
        assert!(CombinedQuery::build(Language::Swift, &[(0, &good)]).unwrap().is_some());
    }

    #[test]
    fn the_file_name_must_match_the_id() {
        let err = load("rules/ios/other-name.toml", &rule("(call_expression) @call", "call")).unwrap_err();
        assert!(err.to_string().contains("does not match the file name"));
    }
}
