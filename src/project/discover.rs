//! Finding the projects among the walked files and reading their configuration (§1.3).
//!
//! Discovery only looks at file names and reads configuration files through a caller-given
//! loader, so the same code serves the disk, in-memory rule examples and editor buffers.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::facts::{ConfigError, ConfigFile};
use super::gradle::GradleSymbols;
use super::model::{effective_target_sdk, AndroidSide, Config, ConfigProblem, IosSide, Project, ProjectKind};
use super::{gradle, manifest, plist, pubspec};

/// Configuration files larger than this are not read: real ones are a few kilobytes.
pub const MAX_CONFIG_BYTES: usize = 4 * 1024 * 1024;

/// The targetSdk assumed when Gradle names a value bglint cannot resolve: Google Play has
/// required 35 for new apps and updates since 31 August 2025.
pub const DEFAULT_ASSUMED_TARGET_SDK: u32 = 35;

#[derive(Debug, Clone)]
pub struct DiscoveryOptions {
    pub assumed_target_sdk: u32,
}

impl Default for DiscoveryOptions {
    fn default() -> Self {
        DiscoveryOptions { assumed_target_sdk: DEFAULT_ASSUMED_TARGET_SDK }
    }
}

/// Every project found under the analysed paths.
#[derive(Debug, Default)]
pub struct Workspace {
    pub projects: Vec<Project>,
    /// Configuration files that could not even be loaded (I/O errors, too large).
    pub unreadable: Vec<(PathBuf, String)>,
    /// Project indices, innermost (longest root) first, for [`project_of`](Self::project_of).
    by_depth: Vec<usize>,
}

impl Workspace {
    /// The innermost project whose root contains `path`.
    pub fn project_of(&self, path: &Path) -> Option<usize> {
        self.by_depth.iter().copied().find(|&i| self.projects[i].contains(path))
    }

    /// [`project_of`](Self::project_of) for many paths, looked up once per folder.
    pub fn owners(&self, paths: &[PathBuf]) -> Vec<Option<usize>> {
        let mut by_folder: std::collections::HashMap<&Path, Option<usize>> = std::collections::HashMap::new();
        paths
            .iter()
            .map(|p| {
                let folder = p.parent().unwrap_or(Path::new(""));
                *by_folder.entry(folder).or_insert_with(|| self.project_of(p))
            })
            .collect()
    }
}

/// What a file name says a file is, for discovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Pubspec,
    GradleSettings,
    GradleBuild,
    GradleProperties,
    VersionCatalog,
    Manifest,
    InfoPlist,
    Entitlements,
    /// `X.xcodeproj/project.pbxproj`, an XcodeGen `project.yml` or a Tuist `Project.swift`:
    /// its folder is a native iOS project.
    IosProjectMarker,
    /// Podfile, Package.resolved, Package.swift, Cartfile, package.json, *.csproj: read on demand
    /// for dependency names, and as a sign of code bglint cannot read (React Native, Xamarin).
    DependencyList,
}

impl Role {
    pub fn of(path: &Path) -> Option<Role> {
        let name = path.file_name()?.to_str()?;
        let parent = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("");
        Some(match name {
            "pubspec.yaml" => Role::Pubspec,
            "settings.gradle" | "settings.gradle.kts" => Role::GradleSettings,
            "build.gradle" | "build.gradle.kts" => Role::GradleBuild,
            "gradle.properties" => Role::GradleProperties,
            "AndroidManifest.xml" => Role::Manifest,
            "project.pbxproj" if parent.ends_with(".xcodeproj") => Role::IosProjectMarker,
            "project.yml" | "Project.swift" => Role::IosProjectMarker,
            "Podfile" | "Package.resolved" | "Package.swift" | "Cartfile" | "package.json" => Role::DependencyList,
            _ if name.ends_with(".csproj") => Role::DependencyList,
            _ if name.ends_with(".versions.toml") && parent == "gradle" => Role::VersionCatalog,
            // Firebase's GoogleService-Info.plist is configuration, not the app's Info.plist.
            "GoogleService-Info.plist" => return None,
            _ if name.ends_with(".plist") && name.contains("Info") => Role::InfoPlist,
            _ if name.ends_with(".entitlements") => Role::Entitlements,
            _ => return None,
        })
    }
}

/// Reads a file's bytes (from disk, or from memory in tests and editors).
pub type Loader<'a> = &'a (dyn Fn(&Path) -> Result<Vec<u8>, String> + Sync);

/// Walks `roots` and discovers the projects in them and the projects that enclose them (looking
/// upward, see [`super::enclosing`]), reading configuration from disk.
pub fn discover_paths(roots: &[PathBuf], options: &DiscoveryOptions) -> Workspace {
    let mut roots: Vec<PathBuf> = roots.to_vec();
    let resolved: Vec<PathBuf> = roots.iter().filter_map(|r| r.canonicalize().ok()).collect();
    let mut enclosing: Vec<PathBuf> = resolved
        .iter()
        .filter_map(|r| super::enclosing::enclosing_root(r))
        .filter(|e| !resolved.iter().any(|r| e.starts_with(r)))
        .collect();
    enclosing.sort();
    enclosing.dedup();
    if !enclosing.is_empty() {
        // One spelling for every path, so a project is found once.
        roots = resolved;
        roots.retain(|r| !enclosing.iter().any(|e| r.starts_with(e)));
        roots.extend(enclosing);
    }
    let walked = crate::walk::collect(&roots, 0, |p| Role::of(p).is_some());
    let files: Vec<PathBuf> = walked.iter().map(|w| w.path().to_path_buf()).collect();
    discover(&files, &|p: &Path| std::fs::read(p).map_err(|e| e.to_string()), options)
}

/// Finds the projects among `files` (every file the walk saw) and reads their configuration.
pub fn discover(files: &[PathBuf], load: Loader<'_>, options: &DiscoveryOptions) -> Workspace {
    let mut sorted: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    sorted.sort();
    let has_files_under = |dir: &Path| {
        let i = sorted.partition_point(|p| *p < dir);
        sorted.get(i).is_some_and(|p| p.starts_with(dir))
    };
    let with_role: Vec<(&Path, Role)> = sorted.iter().filter_map(|p| Role::of(p).map(|r| (*p, r))).collect();
    let dirs_of = |role: Role| -> Vec<PathBuf> {
        let mut dirs: Vec<PathBuf> = with_role
            .iter()
            .filter(|(_, r)| *r == role)
            .filter_map(|(p, _)| p.parent().map(Path::to_path_buf))
            .collect();
        dirs.dedup();
        dirs
    };

    let mut projects: Vec<Project> = Vec::new();
    // Flutter (and pure Dart) packages: pubspec.yaml, with ios/ and android/ when present.
    for dir in dirs_of(Role::Pubspec) {
        let mut project = Project::new(dir.clone(), ProjectKind::Flutter);
        if has_files_under(&dir.join("ios")) {
            project.ios = Some(IosSide { root: dir.join("ios"), ..IosSide::default() });
        }
        if has_files_under(&dir.join("android")) {
            project.android = Some(AndroidSide { root: dir.join("android"), ..AndroidSide::default() });
        }
        projects.push(project);
        // A Flutter app's macos/ is a macOS app of its own, never part of the iOS side.
        if has_files_under(&dir.join("macos")) {
            projects.push(Project::new(dir.join("macos"), ProjectKind::Macos));
        }
    }
    let inside_flutter_side = |projects: &[Project], dir: &Path| {
        projects.iter().any(|p| {
            p.ios.as_ref().is_some_and(|s| dir.starts_with(&s.root))
                || p.android.as_ref().is_some_and(|s| dir.starts_with(&s.root))
        })
    };
    // Native iOS apps: the folder of an .xcodeproj (or an XcodeGen/Tuist spec).
    let mut ios_roots: Vec<PathBuf> = with_role
        .iter()
        .filter(|(_, r)| *r == Role::IosProjectMarker)
        .filter_map(|(p, _)| {
            let parent = p.parent()?;
            if parent.extension().is_some_and(|e| e == "xcodeproj") {
                parent.parent().map(Path::to_path_buf)
            } else {
                Some(parent.to_path_buf())
            }
        })
        .collect();
    ios_roots.sort();
    ios_roots.dedup();
    for root in ios_roots {
        let in_macos = projects.iter().any(|p| p.kind == ProjectKind::Macos && root.starts_with(&p.root));
        if inside_flutter_side(&projects, &root) || in_macos {
            continue;
        }
        if builds_only_for_macos(&with_role, &root, load) {
            projects.push(Project::new(root, ProjectKind::Macos));
        } else {
            let mut project = Project::new(root.clone(), ProjectKind::Ios);
            project.ios = Some(IosSide { root, ..IosSide::default() });
            projects.push(project);
        }
    }
    // Native Android apps: a Gradle settings file, or a module with a manifest and no settings.
    let mut android_roots = dirs_of(Role::GradleSettings);
    for (manifest, _) in with_role.iter().filter(|(_, r)| *r == Role::Manifest) {
        if let Some(module) = module_of_manifest(manifest) {
            if !android_roots.iter().any(|r| module.starts_with(r)) {
                android_roots.push(module);
            }
        }
    }
    android_roots.sort();
    android_roots.dedup();
    for root in android_roots {
        if !inside_flutter_side(&projects, &root) && !android_roots_overlap(&projects, &root) {
            let mut project = Project::new(root.clone(), ProjectKind::Android);
            project.android = Some(AndroidSide { root, ..AndroidSide::default() });
            projects.push(project);
        }
    }

    let mut by_depth: Vec<usize> = (0..projects.len()).collect();
    by_depth.sort_by_key(|&i| std::cmp::Reverse(projects[i].root.components().count()));
    let mut workspace = Workspace { projects, by_depth, unreadable: Vec::new() };
    let mut symbols: Vec<GradleSymbols> = (0..workspace.projects.len()).map(|_| GradleSymbols::default()).collect();
    let mut levels: Vec<Vec<(Arc<ConfigFile>, super::facts::Located<super::facts::SdkLevel>)>> =
        vec![Vec::new(); workspace.projects.len()];

    for (path, role) in &with_role {
        let Some(index) = workspace.project_of(path) else { continue };
        if !belongs(&workspace.projects[index], path, *role) {
            continue;
        }
        let bytes = match load(path) {
            Ok(b) if b.len() > MAX_CONFIG_BYTES => {
                workspace.unreadable.push((path.to_path_buf(), format!("is over the {MAX_CONFIG_BYTES}-byte limit")));
                continue;
            }
            Ok(b) => b,
            Err(e) => {
                workspace.unreadable.push((path.to_path_buf(), e));
                continue;
            }
        };
        // A macOS target's plist (in a project that also builds for iOS) is not the iOS app's.
        if *role == Role::InfoPlist && contains(&bytes, b"LSMinimumSystemVersion") {
            continue;
        }
        let project = &mut workspace.projects[index];
        let binary_plist = matches!(role, Role::InfoPlist | Role::Entitlements) && plist::is_binary(&bytes);
        let text: Arc<str> = if binary_plist {
            Arc::from("")
        } else {
            match String::from_utf8(bytes.clone()) {
                Ok(t) => Arc::from(t.strip_prefix('\u{feff}').map(str::to_string).unwrap_or(t)),
                // An Xcode project file is only searched for settings; it is not ours to judge.
                Err(_) if *role == Role::IosProjectMarker => continue,
                Err(e) => {
                    let file = Arc::new(ConfigFile { path: path.to_path_buf(), text: Arc::from("") });
                    let at = e.utf8_error().valid_up_to();
                    let error = ConfigError::new(format!("is not valid UTF-8 (first bad byte at offset {at})"), None);
                    project.problems.push(ConfigProblem { file, error });
                    continue;
                }
            }
        };
        let file = Arc::new(ConfigFile { path: path.to_path_buf(), text: text.clone() });
        let raw = if binary_plist { bytes.as_slice() } else { text.as_bytes() };
        let read: Result<(), ConfigError> = match role {
            Role::Pubspec => {
                pubspec::pubspec(&text).map(|facts| project.pubspec = Some(Config { file: file.clone(), facts }))
            }
            Role::InfoPlist => {
                plist::info_plist(raw).map(|facts| side_ios(project).plists.push(Config { file: file.clone(), facts }))
            }
            Role::Entitlements => plist::entitlements(raw)
                .map(|facts| side_ios(project).entitlements.push(Config { file: file.clone(), facts })),
            Role::Manifest => manifest::manifest(&text)
                .map(|facts| side_android(project).manifests.push(Config { file: file.clone(), facts })),
            Role::GradleBuild => {
                let facts = gradle::build_file(&text);
                symbols[index].add_build_script(&text);
                let android = side_android(project);
                if facts.is_application {
                    android.is_application = true;
                    if let Some(level) = &facts.target_sdk {
                        levels[index].push((file.clone(), level.clone()));
                    }
                }
                android.builds.push(Config { file: file.clone(), facts });
                Ok(())
            }
            Role::GradleProperties => {
                symbols[index].add_properties(&text);
                Ok(())
            }
            Role::VersionCatalog => symbols[index].add_version_catalog(&text),
            Role::IosProjectMarker => {
                if path.extension().is_some_and(|e| e == "pbxproj") {
                    let base = path.parent().and_then(Path::parent).unwrap_or(Path::new(""));
                    let side = side_ios(project);
                    side.plist_settings.extend(info_plist_settings(&text).into_iter().map(|v| base.join(v)));
                }
                Ok(())
            }
            Role::GradleSettings | Role::DependencyList => Ok(()),
        };
        if let Err(error) = read {
            project.problems.push(ConfigProblem { file, error });
        }
    }

    for (index, project) in workspace.projects.iter_mut().enumerate() {
        if let Some(ios) = project.ios.as_mut() {
            ios.keep_target_plists();
        }
        let is_flutter = project.kind == ProjectKind::Flutter;
        if let Some(android) = project.android.as_mut() {
            // A Flutter app's android/app is an application module even when its build file
            // was not among the analysed paths; a plugin's android/ is a library.
            if is_flutter && !android.is_application {
                let app = android.root.join("app");
                android.is_application = android.manifests.iter().any(|m| m.file.path.starts_with(&app));
            }
            android.target_sdk = resolve_target_sdk(&levels[index], &symbols[index], options.assumed_target_sdk);
        }
    }
    workspace
}

/// Whether the Xcode projects at `root` build only for macOS: `SDKROOT = macosx` and never
/// `iphoneos` (a multi-platform project stays iOS; its macOS plists are left out by key).
fn builds_only_for_macos(with_role: &[(&Path, Role)], root: &Path, load: Loader<'_>) -> bool {
    let pbxprojs = with_role.iter().filter(|(p, r)| {
        *r == Role::IosProjectMarker
            && p.extension().is_some_and(|e| e == "pbxproj")
            && p.parent().and_then(Path::parent) == Some(root)
    });
    let (mut macos, mut ios) = (false, false);
    for (path, _) in pbxprojs {
        let Ok(bytes) = load(path) else { continue };
        if bytes.len() > MAX_CONFIG_BYTES {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        for line in text.lines() {
            let Some(value) = line.trim().strip_prefix("SDKROOT") else { continue };
            let value = value.trim_start().trim_start_matches('=').trim().trim_end_matches(';').trim_matches('"');
            macos |= value == "macosx";
            ios |= value == "iphoneos";
        }
    }
    macos && !ios
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The `INFOPLIST_FILE` build settings of an Xcode project (`Runner/Info.plist`,
/// `"$(SRCROOT)/App/Info-$(CONFIGURATION).plist"`), relative to the project's folder.
fn info_plist_settings(pbxproj: &str) -> Vec<String> {
    let mut values = Vec::new();
    for line in pbxproj.lines() {
        let Some(rest) = line.trim().strip_prefix("INFOPLIST_FILE") else { continue };
        let Some(value) = rest.trim_start().strip_prefix('=') else { continue };
        let value = value.trim().trim_end_matches(';').trim().trim_matches('"');
        let value = value.trim_start_matches("$(SRCROOT)/").trim_start_matches("${SRCROOT}/");
        if !value.is_empty() && !values.iter().any(|v| v == value) {
            values.push(value.to_string());
        }
    }
    values
}

/// The module folder of `<module>/src/<set>/AndroidManifest.xml`, or of a manifest at a
/// module's root (older layouts).
fn module_of_manifest(manifest: &Path) -> Option<PathBuf> {
    let dir = manifest.parent()?;
    let set_parent = dir.parent()?;
    if set_parent.file_name().is_some_and(|n| n == "src") {
        return set_parent.parent().map(Path::to_path_buf);
    }
    Some(dir.to_path_buf())
}

/// A Gradle root nested in another native Android project is one of its modules, not a project.
fn android_roots_overlap(projects: &[Project], root: &Path) -> bool {
    projects.iter().any(|p| p.kind == ProjectKind::Android && root.starts_with(&p.root))
}

/// Whether a configuration file found inside a project describes that project.
fn belongs(project: &Project, path: &Path, role: Role) -> bool {
    let in_ios = project.ios.as_ref().is_some_and(|s| path.starts_with(&s.root));
    let in_android = project.android.as_ref().is_some_and(|s| path.starts_with(&s.root));
    match role {
        Role::Pubspec => path.parent() == Some(project.root.as_path()),
        Role::InfoPlist | Role::Entitlements => in_ios && !in_test_folder(path) && !in_localization_folder(path),
        Role::Manifest => in_android && !in_test_source_set(path),
        Role::GradleBuild | Role::GradleProperties | Role::VersionCatalog | Role::GradleSettings => in_android,
        Role::IosProjectMarker => in_ios,
        Role::DependencyList => false,
    }
}

/// `src/test/…` and `src/androidTest/…` manifests only exist in test builds.
fn in_test_source_set(path: &Path) -> bool {
    let parts: Vec<_> = path.components().map(|c| c.as_os_str().to_string_lossy()).collect();
    parts.windows(2).any(|w| w[0] == "src" && (w[1] == "test" || w[1] == "androidTest" || w[1].ends_with("Test")))
}

/// Copies inside `*.lproj` folders are localized resources, never a target's Info.plist.
fn in_localization_folder(path: &Path) -> bool {
    path.components().any(|c| c.as_os_str().to_string_lossy().ends_with(".lproj"))
}

/// Test-bundle plists (`MyAppTests/Info.plist`) never describe the app.
fn in_test_folder(path: &Path) -> bool {
    path.components().any(|c| {
        let name = c.as_os_str().to_string_lossy();
        name.ends_with("Tests") || name.ends_with("UITests")
    })
}

fn side_ios(project: &mut Project) -> &mut IosSide {
    project.ios.get_or_insert_with(IosSide::default)
}

fn side_android(project: &mut Project) -> &mut AndroidSide {
    project.android.get_or_insert_with(AndroidSide::default)
}

/// The lowest targetSdk among the application modules (rules fire only when every app
/// reaches a level), or the assumption when one is symbolic or none was found.
fn resolve_target_sdk(
    levels: &[(Arc<ConfigFile>, super::facts::Located<super::facts::SdkLevel>)],
    symbols: &GradleSymbols,
    assumed: u32,
) -> super::model::TargetSdk {
    use super::facts::{Located, SdkLevel};
    let resolved: Vec<(Arc<ConfigFile>, Located<SdkLevel>)> =
        levels.iter().map(|(f, l)| (f.clone(), Located::new(symbols.resolve(&l.value), l.span.clone()))).collect();
    let unresolved = resolved.iter().find(|(_, l)| !matches!(l.value, SdkLevel::Literal(_)));
    let lowest =
        resolved.iter().filter(|(_, l)| matches!(l.value, SdkLevel::Literal(_))).min_by_key(|(_, l)| match l.value {
            SdkLevel::Literal(n) => n,
            _ => u32::MAX,
        });
    match unresolved.or(lowest) {
        Some((file, level)) => effective_target_sdk(Some((file, level)), assumed),
        None => effective_target_sdk(None, assumed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace(files: &[(&str, &str)]) -> Workspace {
        let paths: Vec<PathBuf> = files.iter().map(|(p, _)| PathBuf::from(p)).collect();
        let load = |path: &Path| {
            files.iter().find(|(p, _)| Path::new(p) == path).map(|(_, t)| t.as_bytes().to_vec()).ok_or_else(String::new)
        };
        discover(&paths, &load, &DiscoveryOptions::default())
    }

    const PLIST: &str = "<plist><dict><key>UIBackgroundModes</key><array><string>fetch</string></array></dict></plist>";
    const STRAY: &str = "<plist><dict><key>UIBackgroundModes</key><array><string>voip</string></array></dict></plist>";

    #[test]
    fn the_xcode_project_decides_which_plists_are_the_app_s() {
        let pbxproj = "\t\t\t\tINFOPLIST_FILE = \"App/Info-$(CONFIGURATION).plist\";\n\t\t\t\tINFOPLIST_FILE = Widget/Info.plist;\n";
        let ws = workspace(&[
            ("ios/App.xcodeproj/project.pbxproj", pbxproj),
            ("ios/App/Info-Debug.plist", PLIST),
            ("ios/App/Old-Info.plist", STRAY),
            ("ios/App/sv.lproj/App-Info.plist", STRAY),
            ("ios/App/GoogleService-Info.plist", "<plist><dict><key>API_KEY</key><string>x</string></dict></plist>"),
        ]);
        assert_eq!(ws.projects.len(), 1);
        let ios = ws.projects[0].ios_app().expect("the app plist was found");
        let names: Vec<String> = ios.plists.iter().map(|p| p.file.path.display().to_string()).collect();
        assert_eq!(names, ["ios/App/Info-Debug.plist"]);
        assert!(ios.has_mode("fetch") && !ios.has_mode("voip"));
    }

    #[test]
    fn macos_targets_are_not_ios_apps() {
        let mac_plist = "<plist><dict><key>LSMinimumSystemVersion</key><string>10.14</string>\
            <key>UIBackgroundModes</key><array><string>voip</string></array></dict></plist>";
        let ws = workspace(&[
            ("app/pubspec.yaml", "name: app\n"),
            ("app/ios/Runner.xcodeproj/project.pbxproj", "SDKROOT = iphoneos;\n"),
            ("app/ios/Runner/Info.plist", PLIST),
            ("app/macos/Runner.xcodeproj/project.pbxproj", "SDKROOT = macosx;\n"),
            ("app/macos/Runner/Info.plist", mac_plist),
            ("app/macos/Runner/AppDelegate.swift", ""),
            ("Mac/Tool.xcodeproj/project.pbxproj", "\t\tSDKROOT = macosx;\n"),
            ("Mac/Tool/Info.plist", STRAY),
            ("Both/Both.xcodeproj/project.pbxproj", "SDKROOT = iphoneos;\nSDKROOT = macosx;\n"),
            ("Both/iOS/Info.plist", PLIST),
            ("Both/macOS/Info.plist", mac_plist),
        ]);
        let of = |p: &str| &ws.projects[ws.project_of(Path::new(p)).unwrap()];
        assert_eq!(of("app/macos/Runner/AppDelegate.swift").kind, ProjectKind::Macos);
        assert!(of("app/macos/Runner/AppDelegate.swift").ios_app().is_none());
        assert!(!of("app/lib/main.dart").ios_app().unwrap().has_mode("voip"));
        assert_eq!(of("Mac/Tool/main.swift").kind, ProjectKind::Macos);
        let both = of("Both/iOS/x.swift").ios_app().unwrap();
        assert!(both.has_mode("fetch") && !both.has_mode("voip"));
    }

    #[test]
    fn without_build_settings_every_plist_counts_and_projects_stay_apart() {
        let ws = workspace(&[
            ("apps/a/pubspec.yaml", "name: a\n"),
            ("apps/a/ios/Runner/Info.plist", PLIST),
            ("apps/a/lib/main.dart", ""),
            ("apps/b/pubspec.yaml", "name: b\n"),
            ("apps/b/ios/Runner/Info.plist", STRAY),
            ("apps/b/lib/main.dart", ""),
            ("native/Tool.xcodeproj/project.pbxproj", "// no settings\n"),
            ("native/Tool/Info.plist", STRAY),
        ]);
        assert_eq!(ws.projects.len(), 3);
        let of = |p: &str| &ws.projects[ws.project_of(Path::new(p)).unwrap()];
        assert!(of("apps/a/lib/main.dart").ios_app().unwrap().has_mode("fetch"));
        assert!(!of("apps/a/lib/main.dart").ios_app().unwrap().has_mode("voip"));
        assert!(of("apps/b/lib/main.dart").ios_app().unwrap().has_mode("voip"));
        assert_eq!(of("native/Tool/Main.swift").kind, ProjectKind::Ios);
        assert!(ws.project_of(Path::new("elsewhere/x.swift")).is_none());
    }
}
