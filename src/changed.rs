//! `--changed-since <ref>`: which files git says changed since a ref, so a run can analyse the
//! whole project (cross-file facts need it) yet report only findings in those files.
//!
//! Runs `git` itself, and never anything the analysed repository configures: a repository's
//! `.git/config` can name commands git runs while it compares the working tree (an fsmonitor,
//! hooks, filter drivers for `.gitattributes`, diff drivers, an external diff). Every git
//! invocation here switches each of those off (see [`git`]), ignores the system configuration and
//! any `GIT_*` variables of the caller's environment, and takes the ref only once it is resolved
//! to a commit id. Fails with a clear message outside a git work tree or for an unknown ref.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Settings given to every git invocation, above any configuration file. Each one that names a
/// command is emptied or switched off:
/// - `core.fsmonitor`: a command git runs to learn which files changed (any comparison with the
///   working tree, and `ls-files --others`);
/// - `core.hooksPath`: hooks such as `post-index-change`, run when git refreshes the index;
/// - `diff.external`: an external diff program (also `--no-ext-diff` on `git diff`);
/// - `core.pager`, `pager.*`: never a pager;
/// - `submodule.recurse`, `diff.ignoreSubmodules`: no git runs inside submodules, whose own
///   configuration this list would not cover;
/// - `core.askPass`, `credential.helper`: nothing here needs credentials;
/// - `protocol.allow=never` (and `GIT_NO_LAZY_FETCH`): a partial clone would otherwise fetch
///   missing objects from its remote, over the network and through `core.sshCommand` or a
///   remote helper.
///
/// Filter drivers (`filter.<name>.clean`, `.process`, `.smudge`) and diff drivers
/// (`diff.<name>.textconv`, `.command`) have names chosen by the repository; each one the
/// configuration defines is emptied by name (see [`driver_overrides`]).
const SAFE_CONFIG: &[&str] = &[
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "diff.external=",
    "core.pager=cat",
    "pager.diff=false",
    "submodule.recurse=false",
    "diff.ignoreSubmodules=all",
    "core.askPass=",
    "credential.helper=",
    "protocol.allow=never",
];

/// A git command in `dir` with the caller's `GIT_*` environment removed, no system
/// configuration, no optional index writes, no prompts, and [`SAFE_CONFIG`] plus `extra`.
fn git(dir: &Path, extra: &[String]) -> Command {
    let mut cmd = Command::new("git");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("GIT_") {
            cmd.env_remove(&name);
        }
    }
    cmd.env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_NO_LAZY_FETCH", "1")
        .arg("--no-pager")
        .arg("-C")
        .arg(dir);
    for setting in SAFE_CONFIG.iter().copied().map(str::to_string).chain(extra.iter().cloned()) {
        cmd.arg("-c").arg(setting);
    }
    cmd
}

/// How long one git call may take (seconds) before it is stopped: a repository's configuration
/// can make git wait forever (an `include.path` naming a FIFO). `BGLINT_GIT_TIMEOUT` overrides it.
const GIT_TIMEOUT_SECS: u64 = 120;

fn run(mut cmd: Command) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    use std::process::Stdio;
    let limit = std::env::var("BGLINT_GIT_TIMEOUT")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::from_secs(GIT_TIMEOUT_SECS));
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow::anyhow!("--changed-since needs git, which could not be run: {e}"))?;
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = reader(Box::new(child.stdout.take().expect("piped")));
    let stderr = reader(Box::new(child.stderr.take().expect("piped")));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            anyhow::bail!(
                "--changed-since: git did not finish within {} s (is something in this repository's git \
                 configuration waiting, such as an include of a named pipe?)",
                limit.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    if !status.success() {
        anyhow::bail!("{}", String::from_utf8_lossy(&stderr).trim());
    }
    Ok(stdout)
}

/// `-c` settings that empty every filter and diff driver the repository's configuration (with
/// its includes) defines, so `.gitattributes` cannot make git run one.
fn driver_overrides(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut cmd = git(dir, &[]);
    cmd.args(["config", "--list", "--name-only", "-z"]);
    let names = run(cmd)?;
    let mut overrides = Vec::new();
    for name in names.split(|&b| b == 0).filter(|n| !n.is_empty()) {
        let name = String::from_utf8_lossy(name);
        let lower = name.to_ascii_lowercase();
        let (section, rest) = lower.split_once('.').unwrap_or((&lower, ""));
        let key = rest.rsplit('.').next().unwrap_or("");
        let command_key = match section {
            "filter" => matches!(key, "clean" | "smudge" | "process"),
            "diff" => matches!(key, "textconv" | "command"),
            _ => false,
        };
        if !command_key || !rest.contains('.') {
            continue;
        }
        if name.contains('=') || name.contains('\n') {
            anyhow::bail!(
                "--changed-since: this repository's git configuration defines `{name}`, which bglint cannot switch \
                 off safely; refusing to run git here"
            );
        }
        overrides.push(format!("{name}="));
        if section == "filter" {
            let driver = &name[..name.len() - key.len() - 1];
            overrides.push(format!("{driver}.required=false"));
        }
    }
    Ok(overrides)
}

/// Files changed between `base` and the working tree (committed, staged or not), plus untracked
/// files git does not ignore, as canonical paths.
pub fn changed_files(inside: &Path, base: &str) -> anyhow::Result<HashSet<PathBuf>> {
    let dir =
        if inside.is_dir() { inside.to_path_buf() } else { inside.parent().unwrap_or(Path::new(".")).to_path_buf() };
    let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
    let mut cmd = git(&dir, &[]);
    cmd.args(["rev-parse", "--show-toplevel"]);
    let top = run(cmd)
        .map_err(|e| anyhow::anyhow!("--changed-since: {} is not inside a git work tree ({e})", dir.display()))?;
    let top = PathBuf::from(os_str(top.strip_suffix(b"\n").unwrap_or(&top)));
    let not_a_commit =
        || anyhow::anyhow!("--changed-since: `{base}` is not a commit, branch or tag in this repository");
    // A ref is never an option: `--output=…` must not reach git as one.
    if base.is_empty() || base.starts_with('-') {
        return Err(not_a_commit());
    }
    let mut cmd = git(&dir, &[]);
    cmd.args(["rev-parse", "--verify", "--quiet", "--end-of-options"]).arg(format!("{base}^{{commit}}"));
    let commit = String::from_utf8_lossy(&run(cmd).map_err(|_| not_a_commit())?).trim().to_string();
    if commit.is_empty() || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_a_commit());
    }
    let overrides = driver_overrides(&dir)?;
    let mut files = HashSet::new();
    // `-z` keeps unusual file names intact; `--no-renames` lists a renamed file's new path too.
    let mut diff = git(&dir, &overrides);
    diff.args([
        "diff",
        "--name-only",
        "--no-renames",
        "--no-ext-diff",
        "--no-textconv",
        "--ignore-submodules=all",
        "-z",
        &commit,
        "--",
    ]);
    let diff = run(diff)?;
    let mut untracked = git(&dir, &overrides);
    untracked.args(["ls-files", "--others", "--exclude-standard", "-z"]);
    let untracked = run(untracked)?;
    for name in diff.split(|&b| b == 0).chain(untracked.split(|&b| b == 0)).filter(|n| !n.is_empty()) {
        let path = top.join(os_str(name));
        files.insert(path.canonicalize().unwrap_or(path));
    }
    Ok(files)
}

/// Git prints names as the bytes they are on disk.
#[cfg(unix)]
fn os_str(bytes: &[u8]) -> &OsStr {
    use std::os::unix::ffi::OsStrExt;
    OsStr::from_bytes(bytes)
}

#[cfg(not(unix))]
fn os_str(bytes: &[u8]) -> &OsStr {
    OsStr::new(std::str::from_utf8(bytes).unwrap_or_default())
}

/// Whether a finding's file is among the changed ones.
pub fn is_changed(changed: &HashSet<PathBuf>, path: &Path) -> bool {
    let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    changed.contains(&canonical)
}
