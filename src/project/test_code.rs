//! Test code, which bglint does not report by default (`include-tests` brings it back): a
//! background-execution mistake in a test harms no user, and on real apps half the findings sat
//! in tests.

use std::path::{Component, Path};

/// Whether a file, by its path *inside its project* (relative to the project root), is test
/// code: Dart `test/`, `integration_test/`, `test_driver/` (at the package root: a Kotlin package
/// may well be called `test`); Android `src/test*/` and
/// `src/androidTest*/` source sets; Swift test targets (`*Tests/`, `*UITests/`).
pub fn is_test_path(in_project: &Path) -> bool {
    let names: Vec<&str> = in_project
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => n.to_str(),
            _ => None,
        })
        .collect();
    let folders = &names[..names.len().saturating_sub(1)];
    folders.iter().enumerate().any(|(i, name)| {
        (i == 0 && matches!(*name, "test" | "integration_test" | "test_driver"))
            || (i > 0 && folders[i - 1] == "src" && (name.starts_with("test") || name.starts_with("androidTest")))
            || (name.len() > "Tests".len() && name.ends_with("Tests"))
    })
}

/// Whether Swift source imports a test framework (`import XCTest`, `import Testing`,
/// `@testable import …`): such a file belongs to a test target wherever it lies.
pub fn imports_test_framework(swift: &str) -> bool {
    swift.lines().map(str::trim_start).any(|line| {
        if line.starts_with("@testable") && line.contains("import ") {
            return true;
        }
        matches!(line.strip_prefix("import "), Some(m) if matches!(m.trim(), "XCTest" | "Testing"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_folders_of_each_platform() {
        for p in [
            "test/widget_test.dart",
            "integration_test/app_test.dart",
            "test_driver/main.dart",
            "app/src/test/java/A.kt",
            "app/src/testDebug/kotlin/A.kt",
            "app/src/androidTest/kotlin/A.kt",
            "app/src/androidTestRelease/kotlin/A.kt",
            "RunnerTests/RunnerTests.swift",
            "ios/AppUITests/Flow.swift",
        ] {
            assert!(is_test_path(Path::new(p)), "{p}");
        }
        for p in [
            "lib/test.dart",
            "lib/testing/helpers.dart",
            "lib/contest/a.dart",
            "app/src/main/java/test/A.kt",
            "lib/test/fake_clock.dart",
            "Sources/Tests.swift",
            "app/src/main/kotlin/Latest.kt",
        ] {
            assert!(!is_test_path(Path::new(p)), "{p}");
        }
    }

    #[test]
    fn swift_test_imports() {
        assert!(imports_test_framework("import Foundation\nimport XCTest\n"));
        assert!(imports_test_framework("import Testing\n"));
        assert!(imports_test_framework("@testable import Runner\n"));
        assert!(!imports_test_framework("import XCTestDynamicOverlay\nimport UIKit\n"));
        assert!(!imports_test_framework("// import XCTest\n"));
    }
}
