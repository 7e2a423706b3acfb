//! What bglint knows about a project from its configuration files (rules-catalog §1.3).
//!
//! Every fact carries the span it was read from, so a diagnostic can point into Info.plist,
//! the manifest, a Gradle file or pubspec.yaml. A fact that could not be found is `None`
//! (or an empty list when the *file* was read and the key is absent): rules must tell
//! "unknown" from "declared empty" and stay silent on the former.

use std::path::PathBuf;
use std::sync::Arc;

use crate::source::Span;

/// The kinds of project files bglint reads (for rule metadata: what a rule looks at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConfigKind {
    InfoPlist,
    Entitlements,
    Manifest,
    Gradle,
    Pubspec,
}

impl ConfigKind {
    pub fn name(self) -> &'static str {
        match self {
            ConfigKind::InfoPlist => "Info.plist",
            ConfigKind::Entitlements => "entitlements",
            ConfigKind::Manifest => "AndroidManifest.xml",
            ConfigKind::Gradle => "Gradle",
            ConfigKind::Pubspec => "pubspec.yaml",
        }
    }
}

/// A configuration file's text, shared by its facts and by diagnostics that point into it.
#[derive(Debug)]
pub struct ConfigFile {
    pub path: PathBuf,
    /// The text for code frames. Binary plists have none: their facts carry empty spans.
    pub text: Arc<str>,
}

/// A value and where it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Located<T> {
    pub fn new(value: T, span: Span) -> Self {
        Located { value, span }
    }
}

/// A plist array of strings under a key: the key's span and each item's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StringList {
    /// The `<key>…</key>` element (or the whole entry in a binary plist: empty span).
    pub key_span: Span,
    pub items: Vec<Located<String>>,
}

impl StringList {
    pub fn contains(&self, value: &str) -> bool {
        self.items.iter().any(|i| i.value == value)
    }

    pub fn find(&self, value: &str) -> Option<&Located<String>> {
        self.items.iter().find(|i| i.value == value)
    }
}

/// An `Info.plist` (XML or binary).
#[derive(Debug, Default)]
pub struct InfoPlistFacts {
    /// `UIBackgroundModes`; `None` when the key is absent.
    pub background_modes: Option<StringList>,
    /// `BGTaskSchedulerPermittedIdentifiers`; `None` when the key is absent. Items keep their
    /// raw text: `com.acme.*` (iOS 26 wildcard) and `$(PRODUCT_BUNDLE_IDENTIFIER).refresh`
    /// (a build setting) are matched by [`identifier_permitted`](InfoPlistFacts::identifier_permitted).
    pub permitted_task_ids: Option<StringList>,
    /// Location usage-description keys present (`NSLocationAlwaysAndWhenInUseUsageDescription`, …).
    pub location_usage_keys: Vec<Located<String>>,
    /// The plist describes an app extension (`NSExtension` present), not the app itself.
    pub is_extension: bool,
    /// `CFBundlePackageType` as written (`APPL`, `FMWK`, `BNDL`, `$(PRODUCT_BUNDLE_PACKAGE_TYPE)`).
    pub bundle_package_type: Option<String>,
    /// The top-level `<dict>` start tag, for findings about a key the plist lacks.
    pub top_dict_span: Span,
}

/// Whether `id` is covered by a permitted-identifier entry: equal, a trailing `.*` wildcard
/// (iOS 26), or an entry with build-setting references `$(…)` / `${…}`, which match any text
/// because their values are only known at build time.
pub fn identifier_matches(entry: &str, id: &str) -> bool {
    glob_matches(&entry_as_glob(entry), id)
}

/// `$(PRODUCT_BUNDLE_IDENTIFIER).refresh` → `*.refresh`; an unclosed reference matches anything.
fn entry_as_glob(entry: &str) -> String {
    let mut glob = String::with_capacity(entry.len());
    let mut rest = entry;
    while let Some(start) = rest.find("$(").into_iter().chain(rest.find("${")).min() {
        glob.push_str(&rest[..start]);
        let close = if rest[start..].starts_with("$(") { ')' } else { '}' };
        match rest[start..].find(close) {
            Some(end) => {
                glob.push('*');
                rest = &rest[start + end + 1..];
            }
            None => return "*".to_string(),
        }
    }
    glob.push_str(rest);
    glob
}

/// Matches `text` against a pattern whose only wildcard is `*` (any run of characters).
fn glob_matches(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

impl InfoPlistFacts {
    pub fn has_mode(&self, mode: &str) -> bool {
        self.background_modes.as_ref().is_some_and(|m| m.contains(mode))
    }

    /// The plist of an app target: not an extension, framework, test bundle or plug-in.
    pub fn is_app(&self) -> bool {
        !self.is_extension && !matches!(self.bundle_package_type.as_deref(), Some("FMWK" | "BNDL" | "XPC!"))
    }

    pub fn identifier_permitted(&self, id: &str) -> bool {
        self.permitted_task_ids.as_ref().is_some_and(|l| l.items.iter().any(|e| identifier_matches(&e.value, id)))
    }
}

/// A `*.entitlements` file (a plist of capability keys).
#[derive(Debug, Default)]
pub struct EntitlementsFacts {
    /// `aps-environment` (push), with its value (`development` / `production`).
    pub aps_environment: Option<Located<String>>,
    /// Every top-level key, for capabilities rules look up by name
    /// (`com.apple.developer.backgroundtasks.healthresearch`, …).
    pub keys: Vec<Located<String>>,
}

impl EntitlementsFacts {
    pub fn has_key(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k.value == key)
    }
}

/// `<uses-permission>` (or `<uses-permission-sdk-23>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permission {
    /// As written: `android.permission.FOREGROUND_SERVICE_LOCATION`.
    pub name: String,
    pub max_sdk: Option<u32>,
    /// `tools:node="remove"`: the permission is removed from the merged manifest.
    pub removed: bool,
    pub span: Span,
}

/// A `<service>`, `<receiver>`, `<activity>` or `<provider>` element.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    /// `android:name` as written (`.SyncService`, `com.acme.SyncService`, `id.flutter…BackgroundService`).
    pub name: String,
    /// `name` made absolute with the manifest's package when it starts with `.` (or has no dot).
    pub qualified_name: String,
    /// The element's start tag.
    pub span: Span,
    /// `android:foregroundServiceType`, split on `|`, with the attribute's span. `None` when absent.
    pub foreground_service_types: Option<Located<Vec<String>>>,
    pub stop_with_task: Option<bool>,
    pub exported: Option<bool>,
    /// `tools:node` (`merge`, `replace`, `remove`, …) when present.
    pub tools_node: Option<String>,
    /// `<intent-filter><action android:name>` values.
    pub actions: Vec<Located<String>>,
    /// `<property android:name android:value>` children.
    pub properties: Vec<Property>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub value: Option<String>,
    pub span: Span,
}

/// One `AndroidManifest.xml` (main, a flavour or a build type).
#[derive(Debug, Default)]
pub struct ManifestFacts {
    /// The `package` attribute, if any (newer projects set the namespace in Gradle).
    pub package: Option<String>,
    pub permissions: Vec<Permission>,
    pub services: Vec<Component>,
    pub receivers: Vec<Component>,
    /// `<property>` elements directly under `<application>`.
    pub properties: Vec<Property>,
    /// The `<application>` start tag, for findings about the manifest as a whole.
    pub application_span: Option<Span>,
    /// The `<manifest>` start tag.
    pub manifest_span: Span,
}

impl ManifestFacts {
    /// A declared permission by its short (`SCHEDULE_EXACT_ALARM`) or full name, unless removed.
    pub fn permission(&self, name: &str) -> Option<&Permission> {
        self.permissions.iter().find(|p| !p.removed && short_permission(&p.name) == short_permission(name))
    }
}

/// `android.permission.X` → `X`; other names unchanged.
pub fn short_permission(name: &str) -> &str {
    name.strip_prefix("android.permission.").unwrap_or(name)
}

/// A Gradle SDK level: a literal number, a symbol we could not resolve (`flutter.targetSdkVersion`),
/// or an expression we could not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SdkLevel {
    Literal(u32),
    Symbolic(String),
    Unknown,
}

/// A module's `build.gradle` / `build.gradle.kts`.
#[derive(Debug, Default)]
pub struct GradleFacts {
    pub target_sdk: Option<Located<SdkLevel>>,
    pub min_sdk: Option<Located<SdkLevel>>,
    pub compile_sdk: Option<Located<SdkLevel>>,
    /// The module applies the Android application plugin (not a library).
    pub is_application: bool,
}

/// One dependency of pubspec.yaml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    /// The version constraint as written (`^0.5.1`), or `None` for path/git/sdk dependencies.
    pub version: Option<String>,
    /// `dev_dependencies` rather than `dependencies`.
    pub dev: bool,
    /// The dependency's key.
    pub span: Span,
}

/// A Flutter/Dart `pubspec.yaml`.
#[derive(Debug, Default)]
pub struct PubspecFacts {
    pub name: Option<String>,
    pub dependencies: Vec<Dependency>,
    /// `dependency_overrides` keys are not dependencies of their own; only their names are kept.
    pub overrides: Vec<String>,
}

impl PubspecFacts {
    /// A runtime (non-dev) dependency by name.
    pub fn dependency(&self, name: &str) -> Option<&Dependency> {
        self.dependencies.iter().find(|d| !d.dev && d.name == name)
    }
}

/// A configuration file bglint could not read: one finding of its own, the rest goes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub message: String,
    /// Where the parser stopped, when it says.
    pub span: Option<Span>,
}

impl ConfigError {
    pub fn new(message: impl Into<String>, span: Option<Span>) -> Self {
        ConfigError { message: message.into(), span }
    }
}

#[cfg(test)]
mod tests {
    use super::identifier_matches;

    #[test]
    fn permitted_identifier_forms() {
        assert!(identifier_matches("com.acme.refresh", "com.acme.refresh"));
        assert!(!identifier_matches("com.acme.refresh", "com.acme.refresh2"));
        assert!(identifier_matches("com.acme.export.*", "com.acme.export.photos"));
        assert!(!identifier_matches("com.acme.export.*", "com.acme.import"));
        assert!(identifier_matches("$(PRODUCT_BUNDLE_IDENTIFIER).refresh", "com.acme.app.refresh"));
        assert!(!identifier_matches("$(PRODUCT_BUNDLE_IDENTIFIER).refresh", "com.acme.app.cleanup"));
        assert!(identifier_matches("${PRODUCT_BUNDLE_IDENTIFIER}", "anything"));
        assert!(identifier_matches("com.acme.$(SUFFIX)", "com.acme.x"));
        assert!(!identifier_matches("com.acme.$(SUFFIX)", "org.other.x"));
    }
}
