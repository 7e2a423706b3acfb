//! Finding the files to analyse: a gitignore-aware parallel walk (the `ignore` crate, as
//! ripgrep and Ruff use) that skips what mobile projects generate or vendor.

use std::path::{Path, PathBuf};

use ignore::{WalkBuilder, WalkParallel};

/// Directories that hold generated or third-party code in mobile projects.
pub const SKIPPED_DIRS: &[&str] =
    &["Pods", ".dart_tool", "build", "DerivedData", ".symlinks", ".gradle", "node_modules", "Carthage", ".build"];

/// Generated Dart sources (json_serializable, freezed, mockito, …).
pub const SKIPPED_SUFFIXES: &[&str] = &[".g.dart", ".freezed.dart", ".mocks.dart"];

pub fn is_generated(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    SKIPPED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// A parallel walker over `roots`. Files named explicitly are always yielded.
pub fn walker(roots: &[PathBuf], threads: usize) -> WalkParallel {
    let mut builder = WalkBuilder::new(&roots[0]);
    for root in &roots[1..] {
        builder.add(root);
    }
    builder
        .threads(threads)
        // Honour .gitignore even outside a git checkout (a downloaded zip, a CI artefact).
        .require_git(false)
        .filter_entry(|entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let name = entry.file_name().to_str().unwrap_or("");
            !(is_dir && entry.depth() > 0 && SKIPPED_DIRS.contains(&name))
        });
    builder.build_parallel()
}
