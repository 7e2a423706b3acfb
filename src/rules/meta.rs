//! The one metadata shape every rule has, declarative or Rust.

use crate::diagnostics::Severity;
use crate::lang::Language;
use crate::project::facts::ConfigKind;

/// Where documentation for a rule lives: `docs/rules/<id>.md`, generated from this metadata.
pub const DOCS_BASE_URL: &str = "https://github.com/bglint/bglint/blob/main/docs/rules/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Ios,
    Android,
    /// Both platforms (Flutter code or shared concepts).
    Both,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Ios => "ios",
            Platform::Android => "android",
            Platform::Both => "ios+android",
        }
    }
}

/// Whether bglint can fix a finding automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixAvailability {
    /// No automatic fix; the help line says what to do.
    None,
    /// A fix that preserves behaviour and may be applied without review.
    Safe,
}

/// What / Why / Instead, the three questions a rule's docs answer.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Docs {
    /// What the rule finds.
    pub what: String,
    /// The platform fact behind it.
    pub why: String,
    /// What to do instead.
    pub instead: String,
    /// Links to the platform documentation the fact comes from.
    pub sources: Vec<String>,
}

/// A code example: bad ones mark the expected finding with `«` and `»`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub lang: Language,
    pub code: String,
}

/// One file of a multi-file example.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExampleFile {
    /// Relative to the example project's root: `ios/Runner/Info.plist`, `lib/main.dart`.
    pub path: String,
    pub text: String,
}

/// A multi-file example for a cross-file rule: a small project. In a bad one, exactly one
/// file marks the expected finding with `«` and `»`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectExample {
    #[serde(rename = "file")]
    pub files: Vec<ExampleFile>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleMeta {
    pub id: String,
    pub platform: Platform,
    pub languages: Vec<Language>,
    /// Project files the rule reads.
    pub config: Vec<ConfigKind>,
    pub category: String,
    pub severity: Severity,
    pub summary: String,
    /// A one-line instruction shown under every finding.
    pub help: String,
    pub docs: Docs,
    pub fix: FixAvailability,
    /// The equivalent check in another tool, so users can de-duplicate (`AndroidLint:ShortAlarm`).
    pub also_reported_by: Option<String>,
    pub bad: Vec<Example>,
    pub good: Vec<Example>,
    pub bad_projects: Vec<ProjectExample>,
    pub good_projects: Vec<ProjectExample>,
}

impl RuleMeta {
    pub fn docs_url(&self) -> String {
        format!("{DOCS_BASE_URL}{}.md", self.id)
    }

    /// The rule's documentation as Markdown: the body of `docs/rules/<id>.md` and of `bglint explain`.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        let langs: Vec<&str> = self.languages.iter().map(|l| l.name()).collect();
        out.push_str(&format!("# {}\n\n", self.id));
        out.push_str(&format!("{}\n\n", self.summary));
        out.push_str(&format!(
            "- Platform: {}\n- Languages: {}\n- Category: {}\n- Default severity: {}\n- Automatic fix: {}\n",
            self.platform.as_str(),
            langs.join(", "),
            self.category,
            self.severity,
            match self.fix {
                FixAvailability::None => "no",
                FixAvailability::Safe => "yes (safe)",
            }
        ));
        if !self.config.is_empty() {
            let files: Vec<&str> = self.config.iter().map(|c| c.name()).collect();
            out.push_str(&format!("- Project files read: {}\n", files.join(", ")));
        }
        if let Some(other) = &self.also_reported_by {
            out.push_str(&format!("- Also reported by: {other}\n"));
        }
        out.push_str(&format!("\n## What\n\n{}\n\n## Why\n\n{}\n\n", self.docs.what.trim(), self.docs.why.trim()));
        out.push_str(&format!("## Instead\n\n{}\n\n", self.docs.instead.trim()));
        out.push_str("## Sources\n\n");
        for s in &self.docs.sources {
            out.push_str(&format!("- <{s}>\n"));
        }
        for (title, examples) in [("Bad", &self.bad), ("Good", &self.good)] {
            for ex in examples.iter() {
                out.push_str(&format!(
                    "\n## {title} ({})\n\n```{}\n{}\n```\n",
                    ex.lang.name(),
                    ex.lang.name(),
                    strip_markers(&ex.code).trim_end()
                ));
            }
        }
        for (title, projects) in [("Bad", &self.bad_projects), ("Good", &self.good_projects)] {
            for (i, project) in projects.iter().enumerate() {
                out.push_str(&format!("\n## {title} project {}\n", i + 1));
                for file in &project.files {
                    let fence = code_fence(&file.path);
                    out.push_str(&format!(
                        "\n`{}`\n\n```{fence}\n{}\n```\n",
                        file.path,
                        strip_markers(&file.text).trim_end()
                    ));
                }
            }
        }
        out
    }
}

/// The Markdown code-fence language for an example file.
fn code_fence(path: &str) -> &'static str {
    match path.rsplit('.').next().unwrap_or("") {
        "dart" => "dart",
        "swift" => "swift",
        "kt" | "kts" => "kotlin",
        "plist" | "xml" | "entitlements" => "xml",
        "yaml" | "yml" => "yaml",
        "gradle" => "groovy",
        "toml" => "toml",
        _ => "text",
    }
}

/// Removes the `«…»` span markers from an example.
pub fn strip_markers(code: &str) -> String {
    code.replace(['«', '»'], "")
}
