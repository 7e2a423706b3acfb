//! `bglint.toml`: per-project configuration, found by walking up from each analysed file
//! (the nearest file wins; `extend` inherits from another one).
//!
//! Configuration never changes what a rule checks; it decides which findings are kept, at which
//! severity, and which files are looked at. Any unknown key, unknown rule id or bad value is an
//! error pointing into the file: silently ignoring a typo would silently disable a check.

pub mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};
use schemars::JsonSchema;
use serde::Deserialize;

use crate::diagnostics::Severity;
use crate::rules::meta::RuleMeta;
use crate::source::Span;

/// The file name bglint looks for.
pub const FILE_NAME: &str = "bglint.toml";

/// How deep `extend` chains may go (a cycle is an error before this).
const MAX_EXTEND_DEPTH: usize = 16;

/// `bglint.toml`, as written.
#[derive(Debug, Default, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    /// Another bglint.toml to start from, relative to this file; this file's settings win.
    pub extend: Option<String>,
    /// Rules to run: rule ids, `all`, a platform (`ios`, `android`, `both`) or `category:<name>`.
    /// Default: all rules.
    pub select: Option<Vec<String>>,
    /// Rules not to run, with the same selectors as `select`; applied after it.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Globs (relative to this file) of files not to analyse or report on.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Severity per rule id: `error`, `warning` or `info`.
    #[serde(default)]
    pub severity: HashMap<String, Severity>,
    /// Rules to ignore in some files only.
    #[serde(default)]
    pub per_path: Vec<PerPath>,
    /// The Android targetSdk to assume where Gradle names a value bglint cannot resolve.
    #[schemars(range(min = 1, max = 100))]
    pub assume_target_sdk: Option<u32>,
    /// Report a `bglint-ignore` comment without a reason as an error.
    pub require_suppression_reason: Option<bool>,
    /// Also analyse test code (Dart `test/`, `integration_test/`, `test_driver/`; Android
    /// `src/test*/`, `src/androidTest*/`; Swift `*Tests/` folders and files importing XCTest or
    /// Testing), which is left out by default.
    pub include_tests: Option<bool>,
}

/// `[[per-path]]`: rules ignored in the files some globs match.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerPath {
    /// Globs relative to the bglint.toml that declares them.
    pub paths: Vec<String>,
    /// Selectors, as in the top-level `ignore`.
    pub ignore: Vec<String>,
}

/// A configuration problem, with where in which file: shown as a code frame, exit code 2.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub path: PathBuf,
    pub text: Arc<str>,
    pub span: Option<Span>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// A rule selector, checked against the registry when the file is loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Selector {
    All,
    Rule(String),
    Platform(String),
    Category(String),
}

impl Selector {
    fn matches(&self, rule: &RuleMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Rule(id) => rule.id == *id,
            Selector::Platform(p) => {
                rule.platform.as_str() == p || (p == "both" && rule.platform.as_str().contains('+'))
            }
            Selector::Category(c) => rule.category == *c,
        }
    }
}

/// One bglint.toml after `extend` is applied, with selectors checked and globs compiled.
#[derive(Debug, Clone)]
pub struct Resolved {
    /// Where it was found (the nearest file; `extend`ed ones are merged into it).
    pub path: PathBuf,
    select: Option<Vec<Selector>>,
    ignore: Vec<Selector>,
    exclude: GlobSet,
    severity: HashMap<String, Severity>,
    per_path: Vec<(GlobSet, Vec<Selector>)>,
    /// The folder globs are relative to.
    base: PathBuf,
    pub assume_target_sdk: Option<u32>,
    pub require_suppression_reason: Option<bool>,
    pub include_tests: Option<bool>,
}

impl Resolved {
    /// Whether findings of `rule` in `file` are kept.
    pub fn enabled(&self, rule: &RuleMeta, file: &Path) -> bool {
        let selected = self.select.as_ref().is_none_or(|s| s.iter().any(|s| s.matches(rule)));
        let relative = self.relative(file);
        let per_path_ignored = self
            .per_path
            .iter()
            .any(|(globs, ignore)| globs.is_match(&relative) && ignore.iter().any(|s| s.matches(rule)));
        selected && !self.ignore.iter().any(|s| s.matches(rule)) && !per_path_ignored
    }

    /// Whether `file` is excluded from analysis.
    pub fn excludes(&self, file: &Path) -> bool {
        self.exclude.is_match(self.relative(file))
    }

    /// The configured severity for `rule`, if any.
    pub fn severity(&self, rule: &str) -> Option<Severity> {
        self.severity.get(rule).copied()
    }

    fn relative(&self, file: &Path) -> PathBuf {
        let absolute = absolute(file);
        absolute.strip_prefix(&self.base).map(Path::to_path_buf).unwrap_or(absolute)
    }
}

/// `path` made absolute against the working directory (configuration globs are matched so).
pub fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir().map(|d| d.join(path)).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// Finds and caches the configuration that applies to each file.
pub struct Configs<'r> {
    rules: &'r [&'r RuleMeta],
    /// Per folder: the nearest bglint.toml's resolved configuration, if any.
    by_folder: HashMap<PathBuf, Option<Arc<Resolved>>>,
}

impl<'r> Configs<'r> {
    pub fn new(rules: &'r [&'r RuleMeta]) -> Self {
        Configs { rules, by_folder: HashMap::new() }
    }

    /// The configuration for `file` (the nearest bglint.toml above it), loading it on first use.
    pub fn for_file(&mut self, file: &Path) -> Result<Option<Arc<Resolved>>, ConfigError> {
        let folder = absolute(file).parent().map(Path::to_path_buf).unwrap_or_default();
        self.for_folder(&folder)
    }

    pub fn for_folder(&mut self, folder: &Path) -> Result<Option<Arc<Resolved>>, ConfigError> {
        if let Some(found) = self.by_folder.get(folder) {
            return Ok(found.clone());
        }
        let candidate = folder.join(FILE_NAME);
        let found = if candidate.is_file() {
            Some(Arc::new(self.load(&candidate)?))
        } else {
            match folder.parent() {
                Some(parent) => self.for_folder(parent)?,
                None => None,
            }
        };
        self.by_folder.insert(folder.to_path_buf(), found.clone());
        Ok(found)
    }

    /// Keeps the findings their file's configuration (or `explicit`, for every file) enables,
    /// at the configured severity. The first configuration error ends it.
    pub fn filter(
        &mut self,
        result: &mut crate::diagnostics::RunResult,
        explicit: Option<&Resolved>,
    ) -> Result<(), ConfigError> {
        let mut kept = Vec::with_capacity(result.diagnostics.len());
        for mut d in std::mem::take(&mut result.diagnostics) {
            let nearest;
            let config = match explicit {
                Some(c) => Some(c),
                None => {
                    nearest = self.for_file(&d.path)?;
                    nearest.as_deref()
                }
            };
            if let Some(config) = config {
                let Some(meta) = self.rules.iter().find(|m| m.id == d.rule) else { continue };
                if config.excludes(&d.path) || !config.enabled(meta, &d.path) {
                    continue;
                }
                if let Some(severity) = config.severity(d.rule) {
                    d.severity = severity;
                }
            }
            kept.push(d);
        }
        result.diagnostics = kept;
        result.recount();
        Ok(())
    }

    /// Loads one bglint.toml (with what it extends) and checks it against the registry.
    pub fn load(&self, path: &Path) -> Result<Resolved, ConfigError> {
        let mut chain: Vec<(PathBuf, Arc<str>, ConfigFile)> = Vec::new();
        let mut next = Some(path.to_path_buf());
        while let Some(path) = next.take() {
            // Bounded, and only a regular file: `extend = "/dev/zero"` or a FIFO is an error,
            // shown at the `extend` that names it.
            let text: Arc<str> = match crate::fsio::read_bounded(&path) {
                Ok(text) => text.into(),
                Err(message) => {
                    return Err(match chain.last() {
                        Some((from, from_text, _)) => {
                            error_at(from, from_text, "extend", format!("`extend` names {}: {message}", path.display()))
                        }
                        None => ConfigError { path: path.clone(), text: Arc::from(""), span: None, message },
                    })
                }
            };
            let file: ConfigFile = toml::from_str(&text).map_err(|e| ConfigError {
                path: path.clone(),
                text: text.clone(),
                span: e.span(),
                message: e.message().to_string(),
            })?;
            if let Some(parent) = &file.extend {
                let target = path.parent().unwrap_or(Path::new("")).join(parent);
                if chain.iter().any(|(p, _, _)| same_file(p, &target)) || same_file(&path, &target) {
                    return Err(error_at(&path, &text, "extend", format!("`extend` makes a cycle through {parent}")));
                }
                if chain.len() >= MAX_EXTEND_DEPTH {
                    return Err(error_at(&path, &text, "extend", "`extend` chain is too long".to_string()));
                }
                next = Some(target);
            }
            chain.push((path, text, file));
        }
        // Most distant ancestor first, so nearer files override.
        let base = absolute(path).parent().map(Path::to_path_buf).unwrap_or_default();
        let mut resolved = Resolved {
            path: path.to_path_buf(),
            select: None,
            ignore: Vec::new(),
            exclude: GlobSet::empty(),
            severity: HashMap::new(),
            per_path: Vec::new(),
            base: base.clone(),
            assume_target_sdk: None,
            require_suppression_reason: None,
            include_tests: None,
        };
        let mut excludes = GlobSetBuilder::new();
        for (file_path, text, file) in chain.iter().rev() {
            let here = absolute(file_path).parent().map(Path::to_path_buf).unwrap_or_default();
            let selectors = |list: &[String], key: &str| -> Result<Vec<Selector>, ConfigError> {
                list.iter().map(|s| self.selector(s).ok_or_else(|| unknown_selector(file_path, text, key, s))).collect()
            };
            if let Some(select) = &file.select {
                resolved.select = Some(selectors(select, "select")?);
            }
            resolved.ignore.extend(selectors(&file.ignore, "ignore")?);
            for glob in &file.exclude {
                excludes.add(glob_relative(&here, &base, glob).map_err(|m| error_at(file_path, text, glob, m))?);
            }
            for (rule, severity) in &file.severity {
                if !self.rules.iter().any(|r| r.id == *rule) {
                    return Err(unknown_selector(file_path, text, "severity", rule));
                }
                resolved.severity.insert(rule.clone(), *severity);
            }
            for entry in &file.per_path {
                let mut globs = GlobSetBuilder::new();
                for glob in &entry.paths {
                    globs.add(glob_relative(&here, &base, glob).map_err(|m| error_at(file_path, text, glob, m))?);
                }
                let globs = globs.build().map_err(|e| error_at(file_path, text, "per-path", e.to_string()))?;
                resolved.per_path.push((globs, selectors(&entry.ignore, "per-path")?));
            }
            if let Some(level) = file.assume_target_sdk {
                if !(1..=100).contains(&level) {
                    return Err(error_at(
                        file_path,
                        text,
                        "assume-target-sdk",
                        format!("{level} is not an Android API level"),
                    ));
                }
                resolved.assume_target_sdk = Some(level);
            }
            resolved.require_suppression_reason =
                file.require_suppression_reason.or(resolved.require_suppression_reason);
            resolved.include_tests = file.include_tests.or(resolved.include_tests);
        }
        resolved.exclude = excludes.build().map_err(|e| ConfigError {
            path: path.to_path_buf(),
            text: Arc::from(""),
            span: None,
            message: e.to_string(),
        })?;
        Ok(resolved)
    }

    fn selector(&self, text: &str) -> Option<Selector> {
        if text == "all" {
            return Some(Selector::All);
        }
        if let Some(category) = text.strip_prefix("category:") {
            return self.rules.iter().any(|r| r.category == category).then(|| Selector::Category(category.to_string()));
        }
        if matches!(text, "ios" | "android" | "both") {
            return Some(Selector::Platform(text.to_string()));
        }
        self.rules.iter().any(|r| r.id == text).then(|| Selector::Rule(text.to_string()))
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// A glob written relative to `here`, made relative to `base` (the nearest config's folder).
fn glob_relative(here: &Path, base: &Path, glob: &str) -> Result<Glob, String> {
    let prefix = here.strip_prefix(base).map(Path::to_path_buf).unwrap_or_default();
    let full = if prefix.as_os_str().is_empty() { glob.to_string() } else { format!("{}/{glob}", prefix.display()) };
    Glob::new(&full).map_err(|e| format!("bad glob `{glob}`: {e}"))
}

fn unknown_selector(path: &Path, text: &str, key: &str, value: &str) -> ConfigError {
    error_at(
        path,
        text,
        value,
        format!(
            "unknown rule or group `{value}` in `{key}` (use a rule id from `bglint rules`, `all`, `ios`, `android`, \
             `both` or `category:<name>`)"
        ),
    )
}

/// An error pointing at the first occurrence of `needle` in the file (quoted if possible).
fn error_at(path: &Path, text: &str, needle: &str, message: String) -> ConfigError {
    let quoted = format!("\"{needle}\"");
    let span =
        text.find(&quoted).map(|i| i..i + quoted.len()).or_else(|| text.find(needle).map(|i| i..i + needle.len()));
    ConfigError { path: path.to_path_buf(), text: Arc::from(text), span, message }
}
