//! Rules written in Rust, for semantics a query cannot express (path analysis, pairing,
//! name resolution). Each lives in its own file and is declared with [`declare_rule!`].

use crate::diagnostics::{Finding, Severity};
use crate::lang::{Language, ParsedFile};
use crate::project::facts::ConfigKind;

use super::meta::{Docs, Example, FixAvailability, Platform, ProjectExample, RuleMeta};
use super::{ProjectCheck, RuleContext};

/// A per-file check: reads one parsed file (and, through the context, its project's facts).
pub type FileCheck = fn(&ParsedFile<'_>, &RuleContext<'_>, &mut Vec<Finding>);

/// A Rust-coded rule: static metadata plus a check function.
pub struct NativeRule {
    pub id: &'static str,
    pub platform: Platform,
    pub languages: &'static [Language],
    /// Project files the rule reads (Info.plist, manifest, …), for the docs.
    pub config: &'static [ConfigKind],
    pub category: &'static str,
    pub severity: Severity,
    pub summary: &'static str,
    pub help: &'static str,
    pub what: &'static str,
    pub why: &'static str,
    pub instead: &'static str,
    pub sources: &'static [&'static str],
    pub fix: FixAvailability,
    pub also_reported_by: Option<&'static str>,
    /// The file must contain at least one of these for the per-file check to run (the
    /// prefilter). They must be literal text every match necessarily contains.
    pub keywords: &'static [&'static str],
    /// Words whose presence anywhere in a project's code a project check asks about
    /// ([`ProjectCode::mentions`](super::ProjectCode::mentions)); recorded during the file pass.
    pub signals: &'static [&'static str],
    pub bad: &'static [(Language, &'static str)],
    pub good: &'static [(Language, &'static str)],
    /// Multi-file examples (`(path, text)` pairs); a bad one marks its finding with `«…»`.
    pub bad_projects: &'static [&'static [(&'static str, &'static str)]],
    pub good_projects: &'static [&'static [(&'static str, &'static str)]],
    pub check: Option<FileCheck>,
    /// Runs once per project after every file was analysed (collect, then check).
    pub project_check: Option<ProjectCheck>,
}

impl NativeRule {
    /// Runs the rule alone on `code`, as if it were a file of `lang`: for unit tests.
    pub fn check_code(&self, lang: Language, code: &str) -> Vec<Finding> {
        let source = crate::source::SourceFile::new(format!("example.{}", lang.name()), code);
        let mut out = Vec::new();
        if let (Some(file), Some(check)) = (ParsedFile::parse(lang, &source), self.check) {
            check(&file, &RuleContext::default(), &mut out);
        }
        out
    }

    pub fn meta(&self) -> RuleMeta {
        let examples = |list: &[(Language, &str)]| {
            list.iter().map(|(lang, code)| Example { lang: *lang, code: code.to_string() }).collect()
        };
        let projects = |list: &[&[(&str, &str)]]| {
            list.iter()
                .map(|files| ProjectExample {
                    files: files
                        .iter()
                        .map(|(p, t)| super::meta::ExampleFile { path: p.to_string(), text: t.to_string() })
                        .collect(),
                })
                .collect()
        };
        RuleMeta {
            id: self.id.to_string(),
            platform: self.platform,
            languages: self.languages.to_vec(),
            config: self.config.to_vec(),
            category: self.category.to_string(),
            severity: self.severity,
            summary: self.summary.to_string(),
            help: self.help.to_string(),
            docs: Docs {
                what: self.what.to_string(),
                why: self.why.to_string(),
                instead: self.instead.to_string(),
                sources: self.sources.iter().map(|s| s.to_string()).collect(),
            },
            fix: self.fix,
            also_reported_by: self.also_reported_by.map(str::to_string),
            bad: examples(self.bad),
            good: examples(self.good),
            bad_projects: projects(self.bad_projects),
            good_projects: projects(self.good_projects),
        }
    }
}

/// Declares a Rust rule's metadata next to its logic (clippy's `declare_clippy_lint!` is the model).
///
/// ```ignore
/// declare_rule! {
///     id: "ios-example", platform: Ios, languages: [Swift], config: [InfoPlist], category: "timers",
///     severity: Warning, summary: "…", help: "…", what: "…", why: "…", instead: "…",
///     sources: ["https://…"], fix: None, also_reported_by: None, keywords: ["Timer"], signals: [],
///     bad: [(Swift, "…«marked»…")], good: [(Swift, "…")],
///     bad_projects: [[("ios/Runner/Info.plist", "…"), ("lib/main.dart", "…«marked»…")]], good_projects: [],
///     check: Some(check), project_check: None,
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        id: $id:literal,
        platform: $platform:ident,
        languages: [$($lang:ident),* $(,)?],
        config: [$($config:ident),* $(,)?],
        category: $category:literal,
        severity: $severity:ident,
        summary: $summary:literal,
        help: $help:literal,
        what: $what:literal,
        why: $why:literal,
        instead: $instead:literal,
        sources: [$($source:literal),+ $(,)?],
        fix: $fix:ident,
        also_reported_by: $also:expr,
        keywords: [$($kw:literal),* $(,)?],
        signals: [$($signal:literal),* $(,)?],
        bad: [$(($bad_lang:ident, $bad:literal)),* $(,)?],
        good: [$(($good_lang:ident, $good:literal)),* $(,)?],
        bad_projects: [$([$(($bad_path:literal, $bad_text:literal)),+ $(,)?]),* $(,)?],
        good_projects: [$([$(($good_path:literal, $good_text:literal)),+ $(,)?]),* $(,)?],
        check: $check:expr,
        project_check: $project_check:expr $(,)?
    ) => {
        pub static RULE: $crate::rules::native::NativeRule = $crate::rules::native::NativeRule {
            id: $id,
            platform: $crate::rules::meta::Platform::$platform,
            languages: &[$($crate::lang::Language::$lang),*],
            config: &[$($crate::project::facts::ConfigKind::$config),*],
            category: $category,
            severity: $crate::diagnostics::Severity::$severity,
            summary: $summary,
            help: $help,
            what: $what,
            why: $why,
            instead: $instead,
            sources: &[$($source),+],
            fix: $crate::rules::meta::FixAvailability::$fix,
            also_reported_by: $also,
            keywords: &[$($kw),*],
            signals: &[$($signal),*],
            bad: &[$(($crate::lang::Language::$bad_lang, $bad)),*],
            good: &[$(($crate::lang::Language::$good_lang, $good)),*],
            bad_projects: &[$(&[$(($bad_path, $bad_text)),+]),*],
            good_projects: &[$(&[$(($good_path, $good_text)),+]),*],
            check: $check,
            project_check: $project_check,
        };
    };
}
