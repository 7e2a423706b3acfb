//! The project that encloses a path, found by looking upward: a run on `lib/`, on one Swift
//! file, on a Flutter app's `ios/` or in an editor whose workspace root is a subfolder must use
//! the same project facts as a run from the app's root.
//!
//! Only folder listings of the path's ancestors are read. The search stops at the repository
//! root (a folder holding `.git`, which is still examined), and never examines the home folder,
//! the temporary folder or the filesystem root, so a stray file there cannot capture unrelated
//! code (nor make an editor walk the whole disk for a buffer that belongs to no project).

use std::path::{Path, PathBuf};

/// What one folder holds that marks a project root.
#[derive(Debug, Default, Clone, Copy)]
struct Markers {
    pubspec: bool,
    /// An `X.xcodeproj` folder, an XcodeGen `project.yml` or a Tuist `Project.swift`.
    xcode: bool,
    gradle_settings: bool,
    /// `build.gradle(.kts)` without settings: a module, whose build may lie further up.
    gradle_module: bool,
    git: bool,
}

fn markers(dir: &Path) -> Markers {
    let mut m = Markers::default();
    let Ok(entries) = std::fs::read_dir(dir) else { return m };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        match name {
            "pubspec.yaml" => m.pubspec = true,
            "settings.gradle" | "settings.gradle.kts" => m.gradle_settings = true,
            "build.gradle" | "build.gradle.kts" => m.gradle_module = true,
            "project.yml" | "Project.swift" => m.xcode = true,
            ".git" => m.git = true,
            _ if name.ends_with(".xcodeproj") => m.xcode = true,
            _ => {}
        }
    }
    m
}

/// Folders the upward search never examines nor passes: the user's home and the temporary folder.
fn boundaries() -> Vec<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE")).map(PathBuf::from);
    let temp = std::env::temp_dir();
    home.into_iter().chain([temp]).flat_map(|p| [p.canonicalize().unwrap_or_else(|_| p.clone()), p]).collect()
}

/// The root of the project that contains `path` (a file or a folder, absolute, ideally with
/// symlinks resolved), or `None` when no project marker lies at or above it. A Flutter app's
/// `ios/`, `macos/` or `android/` project resolves to the app (the folder of its pubspec.yaml);
/// a Gradle module to the folder of the build's settings file.
pub fn enclosing_root(path: &Path) -> Option<PathBuf> {
    enclosing_root_below(path, &boundaries())
}

fn enclosing_root_below(path: &Path, stops: &[PathBuf]) -> Option<PathBuf> {
    let start = if path.is_dir() { path } else { path.parent()? };
    let mut module: Option<&Path> = None;
    for dir in start.ancestors() {
        if dir.parent().is_none() || dir.as_os_str().is_empty() || stops.iter().any(|s| s == dir) {
            break;
        }
        let m = markers(dir);
        if m.pubspec {
            return Some(dir.to_path_buf());
        }
        if m.xcode || m.gradle_settings {
            return Some(flutter_app_of(dir).unwrap_or_else(|| dir.to_path_buf()));
        }
        if m.gradle_module && module.is_none() {
            module = Some(dir);
        }
        if m.git {
            break;
        }
    }
    module.map(|dir| flutter_app_of(dir).unwrap_or_else(|| dir.to_path_buf()))
}

/// The Flutter app whose platform folder `dir` is (`app/ios`, `app/android`, `app/macos`).
fn flutter_app_of(dir: &Path) -> Option<PathBuf> {
    let name = dir.file_name()?.to_str()?;
    let app = dir.parent()?;
    (matches!(name, "ios" | "android" | "macos") && app.join("pubspec.yaml").is_file()).then(|| app.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        for f in files {
            let path = dir.path().join(f);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if f.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::write(&path, "").unwrap();
            }
        }
        dir
    }

    #[test]
    fn flutter_platform_folders_and_gradle_modules_resolve_to_the_app() {
        let dir = tree(&[
            "app/pubspec.yaml",
            "app/lib/src/a.dart",
            "app/ios/Runner.xcodeproj/project.pbxproj",
            "app/ios/Runner/AppDelegate.swift",
            "app/android/settings.gradle",
            "app/android/app/build.gradle",
            "app/android/app/src/main/kotlin/M.kt",
            "native/Shop.xcodeproj/",
            "native/Shop/Main.swift",
            "droid/settings.gradle.kts",
            "droid/feature/build.gradle.kts",
            "droid/feature/src/main/kotlin/F.kt",
            "lonely/build.gradle",
            "lonely/src/main/java/L.java",
            "nothing/x.dart",
        ]);
        let root = dir.path();
        let of = |p: &str| enclosing_root_below(&root.join(p), &[]);
        let app = Some(root.join("app"));
        assert_eq!(of("app/lib/src/a.dart"), app);
        assert_eq!(of("app/lib"), app);
        assert_eq!(of("app/ios"), app);
        assert_eq!(of("app/ios/Runner/AppDelegate.swift"), app);
        assert_eq!(of("app/android/app/src/main/kotlin/M.kt"), app);
        assert_eq!(of("native/Shop/Main.swift"), Some(root.join("native")));
        assert_eq!(of("droid/feature/src/main/kotlin/F.kt"), Some(root.join("droid")));
        assert_eq!(of("lonely/src/main/java/L.java"), Some(root.join("lonely")));
        // The repository root bounds the search: nothing above it is examined.
        assert_eq!(of("nothing/x.dart"), None);
    }

    #[test]
    fn the_home_folder_and_the_filesystem_root_are_never_examined() {
        let dir = tree(&["pubspec.yaml", "code/x.dart"]);
        std::fs::remove_dir(dir.path().join(".git")).unwrap();
        // With the temporary folder as "home", its pubspec.yaml does not count.
        let home = [dir.path().to_path_buf()];
        assert_eq!(enclosing_root_below(&dir.path().join("code/x.dart"), &home), None);
        assert_eq!(enclosing_root_below(&dir.path().join("code/x.dart"), &[]), Some(dir.path().to_path_buf()));
        // A buffer at the filesystem root (`file:///x.dart`) has no project.
        assert_eq!(enclosing_root_below(Path::new("/x.dart"), &[]), None);
        assert_eq!(enclosing_root(Path::new("/x.dart")), None);
    }
}
