//! Rules written in Rust, for semantics a query cannot express (path analysis, pairing,
//! name resolution). Each lives in its own file and is declared with [`declare_rule!`].

use crate::diagnostics::{Finding, Severity};
use crate::lang::{Language, ParsedFile};

use super::meta::{Docs, Example, FixAvailability, Platform, RuleMeta};

/// A Rust-coded rule: static metadata plus a check function.
pub struct NativeRule {
    pub id: &'static str,
    pub platform: Platform,
    pub languages: &'static [Language],
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
    /// The file must contain at least one of these for the rule to run (the prefilter).
    /// They must be literal text every match necessarily contains.
    pub keywords: &'static [&'static str],
    pub bad: &'static [(Language, &'static str)],
    pub good: &'static [(Language, &'static str)],
    pub check: fn(&ParsedFile<'_>, &mut Vec<Finding>),
}

impl NativeRule {
    /// Runs the rule alone on `code`, as if it were a file of `lang`: for unit tests.
    pub fn check_code(&self, lang: Language, code: &str) -> Vec<Finding> {
        let source = crate::source::SourceFile::new(format!("example.{}", lang.name()), code);
        let mut out = Vec::new();
        if let Some(file) = ParsedFile::parse(lang, &source) {
            (self.check)(&file, &mut out);
        }
        out
    }

    pub fn meta(&self) -> RuleMeta {
        let examples = |list: &[(Language, &str)]| {
            list.iter().map(|(lang, code)| Example { lang: *lang, code: code.to_string() }).collect()
        };
        RuleMeta {
            id: self.id.to_string(),
            platform: self.platform,
            languages: self.languages.to_vec(),
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
        }
    }
}

/// Declares a Rust rule's metadata next to its logic (clippy's `declare_clippy_lint!` is the model).
///
/// ```ignore
/// declare_rule! {
///     id: "ios-example", platform: Ios, languages: [Swift], category: "timers",
///     severity: Warning, summary: "…", help: "…", what: "…", why: "…", instead: "…",
///     sources: ["https://…"], fix: None, also_reported_by: None, keywords: ["Timer"],
///     bad: [(Swift, "…«marked»…")], good: [(Swift, "…")], check: check,
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        id: $id:literal,
        platform: $platform:ident,
        languages: [$($lang:ident),+ $(,)?],
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
        keywords: [$($kw:literal),+ $(,)?],
        bad: [$(($bad_lang:ident, $bad:literal)),+ $(,)?],
        good: [$(($good_lang:ident, $good:literal)),+ $(,)?],
        check: $check:path $(,)?
    ) => {
        pub static RULE: $crate::rules::native::NativeRule = $crate::rules::native::NativeRule {
            id: $id,
            platform: $crate::rules::meta::Platform::$platform,
            languages: &[$($crate::lang::Language::$lang),+],
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
            keywords: &[$($kw),+],
            bad: &[$(($crate::lang::Language::$bad_lang, $bad)),+],
            good: &[$(($crate::lang::Language::$good_lang, $good)),+],
            check: $check,
        };
    };
}
