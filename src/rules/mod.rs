//! Rules: one metadata shape ([`meta::RuleMeta`]), declarative rules loaded from `rules/`,
//! Rust rules under `ios/`, `android/` and `flutter/`, and the registry that lists them all.
//!
//! A rule sees code through [`ParsedFile`](crate::lang::ParsedFile) and configuration through
//! the [`Project`] its file belongs to; it never reads files, config or suppressions itself.

pub mod declarative;
pub mod meta;
pub mod native;
pub mod registry;

pub mod android;
pub mod flutter;
pub mod ios;
pub mod project;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

pub use registry::{Registry, RuleImpl};

use crate::diagnostics::{Finding, Label};
use crate::project::facts::ConfigFile;
use crate::project::model::Project;
use crate::source::Span;

/// What a per-file check may know besides the file: the project it belongs to, when one was
/// found. `None` means unknown, and cross-file rules then stay silent.
#[derive(Default, Clone, Copy)]
pub struct RuleContext<'a> {
    pub project: Option<&'a Project>,
}

/// A project check: runs once per project after the file pass (collect, then check).
pub type ProjectCheck = fn(&Project, &ProjectCode<'_>, &mut Vec<ProjectFinding>);

/// A finding of a project check, whose primary location may be in any file.
#[derive(Debug, Clone)]
pub struct ProjectFinding {
    pub path: PathBuf,
    pub text: Arc<str>,
    pub finding: Finding,
}

impl ProjectFinding {
    /// A finding located in a configuration file.
    pub fn in_config(file: &ConfigFile, span: Span, message: impl Into<String>) -> ProjectFinding {
        ProjectFinding { path: file.path.clone(), text: file.text.clone(), finding: Finding::new(span, message) }
    }

    pub fn with_label(mut self, label: Label) -> Self {
        self.finding.labels.push(label);
        self
    }
}

/// What the file pass recorded about a project's code, for project checks.
pub struct ProjectCode<'a> {
    /// Signal words (declared by rules) seen in the project's Dart, Swift, Kotlin and Java files.
    pub seen: HashSet<String>,
    /// Every source file of the project (Dart, Swift, Kotlin, Objective-C, Java).
    pub source_files: Vec<PathBuf>,
    /// The project's other source files (Objective-C), searched on demand.
    pub other_sources: Vec<PathBuf>,
    /// Dependency lists in or next to the project (Podfile, Package.resolved, package.json, …).
    pub dependency_lists: Vec<PathBuf>,
    /// Reads a file (from disk, or from memory in tests and editors).
    pub load: &'a (dyn Fn(&std::path::Path) -> Result<Vec<u8>, String> + Sync),
}

impl ProjectCode<'_> {
    /// Whether any of `words` (each declared in the asking rule's `signals`) occurs in the
    /// project's code. Dart, Swift, Kotlin and Java were scanned during the file pass; Objective-C
    /// sources are read only now, and only when the answer is still no.
    pub fn mentions(&self, words: &[&str]) -> bool {
        if words.iter().any(|w| self.seen.contains(*w)) {
            return true;
        }
        self.other_sources.iter().any(|path| {
            (self.load)(path).is_ok_and(|bytes| {
                let text = String::from_utf8_lossy(&bytes);
                words.iter().any(|w| text.contains(w))
            })
        })
    }
}

impl ProjectCode<'_> {
    /// Whether the project has a source file named `stem` (`SyncService` for `SyncService.kt`):
    /// a class the project defines itself rather than one a library brings.
    pub fn has_source_named(&self, stem: &str) -> bool {
        self.source_files.iter().any(|p| p.file_stem().is_some_and(|s| s == stem))
    }

    /// Whether part of the app is written in something bglint does not read (a `package.json`
    /// naming React Native, Cordova, Capacitor, NativeScript or Expo; a Xamarin/MAUI `.csproj`),
    /// so "unused" cannot be known.
    pub fn has_foreign_code(&self) -> bool {
        const FRAMEWORKS: &[&str] = &["react-native", "cordova", "@capacitor", "nativescript", "\"expo\""];
        self.dependency_lists.iter().any(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.ends_with(".csproj") {
                return true;
            }
            name == "package.json"
                && (self.load)(p).is_ok_and(|bytes| {
                    let text = String::from_utf8_lossy(&bytes);
                    FRAMEWORKS.iter().any(|f| text.contains(f))
                })
        })
    }

    /// Lower-case names of the project's dependencies: pubspec.yaml packages, CocoaPods pods,
    /// Swift packages (Package.resolved identities, Package.swift URLs) and Carthage entries.
    pub fn dependency_names(&self, project: &Project) -> Vec<String> {
        let mut names: Vec<String> =
            project.pubspec.iter().flat_map(|p| p.facts.dependencies.iter().map(|d| d.name.to_lowercase())).collect();
        for path in &self.dependency_lists {
            let Ok(bytes) = (self.load)(path) else { continue };
            let text = String::from_utf8_lossy(&bytes);
            for line in text.lines() {
                let line = line.trim();
                let quoted = line.split(['"', '\'']).nth(1).unwrap_or("");
                let name = if line.starts_with("pod ") || line.starts_with("github ") || line.starts_with("git ") {
                    quoted
                } else if line.starts_with("\"identity\"") || line.starts_with("\"package\"") {
                    line.split('"').nth(3).unwrap_or("")
                } else if line.contains(".package(") {
                    quoted
                } else {
                    continue;
                };
                let name = name.trim_end_matches(".git").rsplit('/').next().unwrap_or(name);
                if !name.is_empty() {
                    names.push(name.to_lowercase());
                }
            }
        }
        names
    }
}

impl Label {
    /// A label in a configuration file.
    pub fn in_config(file: &ConfigFile, span: Span, message: impl Into<String>) -> Label {
        Label { path: file.path.clone(), text: file.text.clone(), span, message: message.into() }
    }
}
