//! Projects as rules see them: a Flutter app with its iOS and Android sides, a native iOS app or
//! a native Android app, each with the facts of its own configuration files only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::facts::{
    Component, ConfigError, ConfigFile, EntitlementsFacts, GradleFacts, InfoPlistFacts, Located, ManifestFacts,
    Permission, PubspecFacts, SdkLevel,
};
use crate::source::Span;

/// A configuration file's facts together with the file they came from.
#[derive(Debug)]
pub struct Config<T> {
    pub file: Arc<ConfigFile>,
    pub facts: T,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectKind {
    /// A `pubspec.yaml` with `ios/` and/or `android/` beside it.
    Flutter,
    /// A folder holding an `.xcodeproj` (or an XcodeGen/Tuist spec).
    Ios,
    /// A Gradle build (`settings.gradle[.kts]`, or a module with a manifest).
    Android,
    /// A macOS app: a Flutter app's `macos/`, or an Xcode project that builds only for macOS
    /// (`SDKROOT = macosx`). It has no iOS side, so iOS rules never read its plists.
    Macos,
}

impl ProjectKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectKind::Flutter => "flutter",
            ProjectKind::Ios => "ios",
            ProjectKind::Android => "android",
            ProjectKind::Macos => "macos",
        }
    }
}

/// One app (or package) and what its configuration declares. Code files belong to the
/// innermost project whose root contains them; facts never cross project boundaries.
#[derive(Debug)]
pub struct Project {
    pub root: PathBuf,
    pub kind: ProjectKind,
    pub pubspec: Option<Config<PubspecFacts>>,
    pub ios: Option<IosSide>,
    pub android: Option<AndroidSide>,
    /// Configuration files of this project that could not be read (each becomes one finding).
    pub problems: Vec<ConfigProblem>,
}

/// A configuration file bglint could not read; the rest of the project's facts are still used.
#[derive(Debug, Clone)]
pub struct ConfigProblem {
    pub file: Arc<ConfigFile>,
    pub error: ConfigError,
}

impl Project {
    pub fn new(root: PathBuf, kind: ProjectKind) -> Project {
        Project { root, kind, pubspec: None, ios: None, android: None, problems: Vec::new() }
    }

    /// Whether a Flutter project ships to iOS (has `ios/`); native iOS projects always do.
    pub fn ships_to_ios(&self) -> bool {
        self.ios.is_some()
    }

    pub fn ships_to_android(&self) -> bool {
        self.android.is_some()
    }

    /// The iOS side, when its app Info.plist was found and read: the only case in which
    /// "this mode is not declared" is a fact rather than a guess.
    pub fn ios_app(&self) -> Option<&IosSide> {
        self.ios.as_ref().filter(|s| s.app_plists().next().is_some())
    }

    /// The Android side, when it builds an application and a manifest was read.
    pub fn android_app(&self) -> Option<&AndroidSide> {
        self.android.as_ref().filter(|s| s.is_application && !s.manifests.is_empty())
    }

    /// Every configuration file read for this project (for `bglint-ignore` comments in them).
    pub fn config_files(&self) -> Vec<&Arc<ConfigFile>> {
        let mut files: Vec<&Arc<ConfigFile>> = self.pubspec.iter().map(|p| &p.file).collect();
        if let Some(ios) = &self.ios {
            files.extend(ios.plists.iter().map(|p| &p.file));
            files.extend(ios.entitlements.iter().map(|e| &e.file));
        }
        if let Some(android) = &self.android {
            files.extend(android.manifests.iter().map(|m| &m.file));
            files.extend(android.builds.iter().map(|b| &b.file));
        }
        files
    }

    /// A runtime dependency of pubspec.yaml, by package name.
    pub fn depends_on(&self, package: &str) -> bool {
        self.pubspec.as_ref().is_some_and(|p| p.facts.dependency(package).is_some())
    }

    /// Whether pubspec.yaml depends on `package` with a version constraint whose lower bound is
    /// at least `min` (major, minor). An unreadable or absent constraint (`any`, a path or git
    /// dependency) is unknown: false.
    pub fn depends_on_at_least(&self, package: &str, min: (u64, u64)) -> bool {
        let Some(dependency) = self.pubspec.as_ref().and_then(|p| p.facts.dependency(package)) else { return false };
        dependency.version.as_deref().and_then(lower_bound).is_some_and(|v| v >= min)
    }

    pub fn contains(&self, path: &Path) -> bool {
        path.starts_with(&self.root)
    }

    /// A few lines saying what bglint knows about this project: for `bglint projects`, the
    /// first thing to look at when a cross-file rule is silent or fires unexpectedly.
    pub fn describe(&self) -> String {
        let mut out = format!("{} project at {}\n", self.kind.as_str(), display(&self.root));
        if self.kind == ProjectKind::Macos {
            out.push_str("  macOS app: iOS rules do not read its Info.plist\n");
        }
        if let Some(pubspec) = &self.pubspec {
            let names: Vec<&str> =
                pubspec.facts.dependencies.iter().filter(|d| !d.dev).map(|d| d.name.as_str()).collect();
            out.push_str(&format!("  pubspec.yaml: {} dependencies ({})\n", names.len(), names.join(", ")));
        }
        match (&self.ios, self.ios_app()) {
            (None, _) => {}
            (Some(side), None) => {
                out.push_str(&format!(
                    "  iOS ({}): no app Info.plist found; iOS cross-file rules stay silent\n",
                    display(&side.root)
                ));
            }
            (Some(side), Some(_)) => {
                for plist in side.app_plists() {
                    let list = |l: &Option<super::facts::StringList>| match l {
                        Some(l) => l.items.iter().map(|i| i.value.as_str()).collect::<Vec<_>>().join(", "),
                        None => "(key absent)".to_string(),
                    };
                    out.push_str(&format!(
                        "  {}: UIBackgroundModes [{}]; BGTaskSchedulerPermittedIdentifiers [{}]\n",
                        display(&plist.file.path),
                        list(&plist.facts.background_modes),
                        list(&plist.facts.permitted_task_ids)
                    ));
                }
                for e in &side.entitlements {
                    out.push_str(&format!("  {}: {} keys\n", display(&e.file.path), e.facts.keys.len()));
                }
            }
        }
        if let Some(android) = &self.android {
            if self.android_app().is_none() {
                out.push_str(&format!(
                    "  Android ({}): no application manifest found; Android cross-file rules stay silent\n",
                    display(&android.root)
                ));
            } else {
                let permissions: usize = android.manifests.iter().map(|m| m.facts.permissions.len()).sum();
                let services: usize = android.manifests.iter().map(|m| m.facts.services.len()).sum();
                out.push_str(&format!(
                    "  Android: {} manifest(s), {permissions} permissions, {services} services; {}\n",
                    android.manifests.len(),
                    android.target_sdk.describe()
                ));
            }
        }
        for problem in &self.problems {
            out.push_str(&format!("  unreadable: {}: {}\n", display(&problem.file.path), problem.error.message));
        }
        out
    }
}

fn display(path: &Path) -> String {
    if path.as_os_str().is_empty() {
        ".".to_string()
    } else {
        path.display().to_string()
    }
}

/// The first `major.minor` in a version constraint: `^0.7.0` → (0, 7), `>=16.0.0 <18.0.0` → (16, 0).
pub fn lower_bound(constraint: &str) -> Option<(u64, u64)> {
    let start = constraint.find(|c: char| c.is_ascii_digit())?;
    let mut parts = constraint[start..].split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// What the iOS build of a project declares: its Info.plist files and entitlements.
#[derive(Debug, Default)]
pub struct IosSide {
    pub root: PathBuf,
    pub plists: Vec<Config<InfoPlistFacts>>,
    pub entitlements: Vec<Config<EntitlementsFacts>>,
    /// `INFOPLIST_FILE` settings of the Xcode project(s), as paths (may hold `$(…)` variables).
    pub plist_settings: Vec<PathBuf>,
}

/// A declared background mode or identifier and the file that declares it.
pub struct Declared<'a> {
    pub file: &'a Arc<ConfigFile>,
    pub item: &'a Located<String>,
}

impl IosSide {
    /// When the Xcode project names its targets' Info.plists (`INFOPLIST_FILE`), keeps only those:
    /// stray copies (a localized duplicate, an old plist no target uses) are not the app's.
    /// Without such settings (an XcodeGen spec, a generated plist) every plist found stays.
    pub fn keep_target_plists(&mut self) {
        if self.plist_settings.is_empty() {
            return;
        }
        let settings: Vec<String> =
            self.plist_settings.iter().map(|s| s.to_string_lossy().replace("${", "$(").replace('}', ")")).collect();
        let named = |p: &Path| {
            let path = p.to_string_lossy();
            settings.iter().any(|s| super::facts::identifier_matches(s, &path))
        };
        if self.plists.iter().any(|p| named(&p.file.path)) {
            self.plists.retain(|p| named(&p.file.path));
        }
    }

    /// Info.plists of the app itself, not of extensions, frameworks or test bundles.
    pub fn app_plists(&self) -> impl Iterator<Item = &Config<InfoPlistFacts>> {
        self.plists.iter().filter(|p| p.facts.is_app())
    }

    /// Where a background mode is declared, if any app plist declares it.
    pub fn mode(&self, mode: &str) -> Option<Declared<'_>> {
        self.app_plists()
            .find_map(|p| p.facts.background_modes.as_ref()?.find(mode).map(|item| Declared { file: &p.file, item }))
    }

    pub fn has_mode(&self, mode: &str) -> bool {
        self.mode(mode).is_some()
    }

    /// Whether any app plist lists an identifier that covers `id` (wildcards and `$(…)` included).
    pub fn identifier_permitted(&self, id: &str) -> bool {
        self.app_plists().any(|p| p.facts.identifier_permitted(id))
    }

    /// Where a label about a missing background mode should point: the `UIBackgroundModes`
    /// key of the app plist that has one, else the app plist's top-level dictionary.
    pub fn modes_anchor(&self) -> (&Arc<ConfigFile>, Span) {
        self.anchor(|f| f.background_modes.as_ref().map(|m| m.key_span.clone()))
    }

    /// Whether the app's plist shows any background-task setup at all: a permitted-identifier
    /// list, or the `fetch` or `processing` mode. Flutter apps often use a background plugin on
    /// Android only (behind a setting the UI only offers there); with no iOS setup whatsoever,
    /// Dart plugin calls are not taken as iOS background work.
    pub fn configures_background_tasks(&self) -> bool {
        self.app_plists().any(|p| p.facts.permitted_task_ids.is_some())
            || self.has_mode("fetch")
            || self.has_mode("processing")
    }

    /// Like [`modes_anchor`](Self::modes_anchor), for `BGTaskSchedulerPermittedIdentifiers`.
    pub fn identifiers_anchor(&self) -> (&Arc<ConfigFile>, Span) {
        self.anchor(|f| f.permitted_task_ids.as_ref().map(|m| m.key_span.clone()))
    }

    fn anchor(&self, key: impl Fn(&InfoPlistFacts) -> Option<Span>) -> (&Arc<ConfigFile>, Span) {
        let mut apps = self.app_plists();
        let first = apps.next().expect("ios_app() guarantees an app plist");
        std::iter::once(first)
            .chain(apps)
            .find_map(|p| key(&p.facts).map(|span| (&p.file, span)))
            .unwrap_or((&first.file, first.facts.top_dict_span.clone()))
    }
}

/// What the Android build of a project declares: every manifest of its app and library modules
/// (they are merged into the app), its build files, and the targetSdk that applies.
#[derive(Debug, Default)]
pub struct AndroidSide {
    pub root: PathBuf,
    pub manifests: Vec<Config<ManifestFacts>>,
    pub builds: Vec<Config<GradleFacts>>,
    /// Some module applies `com.android.application` (a Flutter `android/` always does).
    pub is_application: bool,
    pub target_sdk: TargetSdk,
}

/// The targetSdk rules compare against: read from Gradle, or the configured assumption when
/// Gradle names a value bglint cannot resolve (`flutter.targetSdkVersion`).
#[derive(Debug, Clone, Default)]
pub struct TargetSdk {
    pub level: u32,
    /// True when `level` is the configured assumption, not a value read from the project.
    pub assumed: bool,
    /// Where the value (or the unresolved symbol) was read.
    pub source: Option<(Arc<ConfigFile>, Span)>,
    /// The expression Gradle used, when it was symbolic.
    pub symbol: Option<String>,
}

impl TargetSdk {
    /// For messages: "targetSdk 35" or "targetSdk `flutter.targetSdkVersion` (assumed 35)".
    pub fn describe(&self) -> String {
        match (&self.symbol, self.assumed) {
            (Some(symbol), true) => format!("targetSdk `{symbol}` (assumed {})", self.level),
            (None, true) => format!("targetSdk not found (assumed {})", self.level),
            _ => format!("targetSdk {}", self.level),
        }
    }
}

/// A manifest element and the manifest it is in.
pub struct InManifest<'a, T> {
    pub file: &'a Arc<ConfigFile>,
    pub manifest: &'a ManifestFacts,
    pub item: &'a T,
}

impl AndroidSide {
    /// A permission declared by any manifest of the build (they are merged), by short or full name.
    pub fn permission(&self, name: &str) -> Option<InManifest<'_, Permission>> {
        self.manifests
            .iter()
            .find_map(|m| m.facts.permission(name).map(|item| InManifest { file: &m.file, manifest: &m.facts, item }))
    }

    /// Every `<service>` of every manifest.
    pub fn services(&self) -> impl Iterator<Item = InManifest<'_, Component>> {
        self.manifests.iter().flat_map(|m| {
            m.facts.services.iter().map(move |item| InManifest { file: &m.file, manifest: &m.facts, item })
        })
    }

    /// Declarations of a service by fully qualified class name (an app may override a plugin's
    /// service with `tools:node`, so there can be several).
    pub fn service_declarations(&self, qualified: &str) -> Vec<InManifest<'_, Component>> {
        self.services()
            .filter(|s| s.item.qualified_name == qualified && s.item.tools_node.as_deref() != Some("remove"))
            .collect()
    }

    /// The app's main manifest (under `src/main`), for findings about a missing declaration.
    pub fn main_manifest(&self) -> &Config<ManifestFacts> {
        let is_main = |m: &&Config<ManifestFacts>| {
            m.file.path.components().any(|c| c.as_os_str() == "main") && m.facts.application_span.is_some()
        };
        self.manifests.iter().find(is_main).unwrap_or(&self.manifests[0])
    }

    /// The target SDK at least `level`? (False when unknown and nothing is assumed.)
    pub fn targets_at_least(&self, level: u32) -> bool {
        self.target_sdk.level >= level
    }
}

/// Turns a Gradle level into a number, given the fallback for what cannot be resolved.
pub fn effective_target_sdk(read: Option<(&Arc<ConfigFile>, &Located<SdkLevel>)>, assumed: u32) -> TargetSdk {
    match read {
        Some((file, Located { value: SdkLevel::Literal(n), span })) => {
            TargetSdk { level: *n, assumed: false, source: Some((file.clone(), span.clone())), symbol: None }
        }
        Some((file, Located { value: SdkLevel::Symbolic(s), span })) => TargetSdk {
            level: assumed,
            assumed: true,
            source: Some((file.clone(), span.clone())),
            symbol: Some(s.clone()),
        },
        Some((file, Located { value: SdkLevel::Unknown, span })) => {
            let symbol = Some(file.text.get(span.clone()).unwrap_or("").trim().to_string());
            TargetSdk { level: assumed, assumed: true, source: Some((file.clone(), span.clone())), symbol }
        }
        None => TargetSdk { level: assumed, assumed: true, source: None, symbol: None },
    }
}
