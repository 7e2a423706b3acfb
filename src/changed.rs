//! `--changed-since <ref>`: which files git says changed since a ref, so a run can analyse the
//! whole project (cross-file facts need it) yet report only findings in those files.
//!
//! Runs `git` itself (never anything from the analysed project) and fails with a clear message
//! outside a git work tree or for an unknown ref.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Files changed between `base` and the working tree (committed, staged or not), plus untracked
/// files git does not ignore, as canonical paths.
pub fn changed_files(inside: &Path, base: &str) -> anyhow::Result<HashSet<PathBuf>> {
    let dir =
        if inside.is_dir() { inside.to_path_buf() } else { inside.parent().unwrap_or(Path::new(".")).to_path_buf() };
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let git = |args: &[&str]| -> anyhow::Result<String> {
        let out = Command::new("git")
            .arg("-C")
            .arg(&dir)
            .args(args)
            .output()
            .map_err(|e| anyhow::anyhow!("--changed-since needs git, which could not be run: {e}"))?;
        if !out.status.success() {
            anyhow::bail!("{}", String::from_utf8_lossy(&out.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let top = git(&["rev-parse", "--show-toplevel"])
        .map_err(|e| anyhow::anyhow!("--changed-since: {} is not inside a git work tree ({e})", dir.display()))?;
    let top = PathBuf::from(top.trim());
    git(&["rev-parse", "--verify", "--quiet", &format!("{base}^{{commit}}")])
        .map_err(|_| anyhow::anyhow!("--changed-since: `{base}` is not a commit, branch or tag in this repository"))?;
    let mut files = HashSet::new();
    // `-z` keeps unusual file names intact; `--no-renames` lists a renamed file's new path too.
    let diff = git(&["diff", "--name-only", "--no-renames", "-z", base, "--"])?;
    let untracked = git(&["ls-files", "--others", "--exclude-standard", "-z"])?;
    for name in diff.split('\0').chain(untracked.split('\0')).filter(|n| !n.is_empty()) {
        let path = top.join(name);
        files.insert(path.canonicalize().unwrap_or(path));
    }
    Ok(files)
}

/// Whether a finding's file is among the changed ones.
pub fn is_changed(changed: &HashSet<PathBuf>, path: &Path) -> bool {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    changed.contains(&canonical)
}
