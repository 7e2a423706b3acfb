//! Baselines: switch bglint on in a legacy codebase without fixing every old finding first.
//!
//! `--write-baseline FILE` records today's findings; `--baseline FILE` reports only findings that
//! are not in it. An entry is keyed by rule, file, the declarations around the finding
//! (`AppDelegate.application`) and the flagged text with whitespace collapsed — never by line
//! number — with a count. Moving code or reformatting therefore does not resurface old findings,
//! while a second identical finding in the same place exceeds the count and is reported.
//! Entries nothing matches any more are returned as fixed, so the file can be pruned.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, RunResult};

/// The file format, version 1.
#[derive(Debug, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub rule: String,
    /// As the reports show it: relative to the working directory, spelled as on disk.
    pub path: String,
    /// The declarations around the finding; empty at the top level or in a configuration file.
    pub context: String,
    /// The flagged text, whitespace collapsed.
    pub snippet: String,
    pub count: usize,
}

type Key = (String, String, String, String);

fn key(d: &Diagnostic, display: &impl Fn(&Path) -> String) -> Key {
    (d.rule.to_string(), display(&d.path), d.context.clone(), d.normalized_snippet())
}

/// A baseline of every finding in `result`.
pub fn record(result: &RunResult, display: impl Fn(&Path) -> String) -> Baseline {
    let mut counts: BTreeMap<Key, usize> = BTreeMap::new();
    for d in &result.diagnostics {
        *counts.entry(key(d, &display)).or_default() += 1;
    }
    let entries = counts
        .into_iter()
        .map(|((rule, path, context, snippet), count)| Entry { rule, path, context, snippet, count })
        .collect();
    Baseline { version: 1, entries }
}

impl Baseline {
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a baseline serializes") + "\n"
    }

    pub fn from_json(text: &str) -> anyhow::Result<Baseline> {
        let baseline: Baseline =
            serde_json::from_str(text).map_err(|e| anyhow::anyhow!("not a bglint baseline: {e}"))?;
        if baseline.version != 1 {
            anyhow::bail!("baseline version {} is not supported (this bglint writes version 1)", baseline.version);
        }
        Ok(baseline)
    }
}

/// Removes the findings the baseline accounts for (up to each entry's count) and returns the
/// entries (with the count left over) that matched fewer findings than recorded: fixed ones.
pub fn apply(result: &mut RunResult, baseline: &Baseline, display: impl Fn(&Path) -> String) -> Vec<Entry> {
    let mut left: BTreeMap<Key, usize> = baseline
        .entries
        .iter()
        .map(|e| ((e.rule.clone(), e.path.clone(), e.context.clone(), e.snippet.clone()), e.count))
        .collect();
    result.retain_diagnostics(|d| match left.get_mut(&key(d, &display)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            false
        }
        _ => true,
    });
    left.into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|((rule, path, context, snippet), count)| Entry { rule, path, context, snippet, count })
        .collect()
}
