//! Finding the files to analyse: a gitignore-aware parallel walk (the `ignore` crate, as
//! ripgrep and Ruff use) that skips what mobile projects generate or vendor.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Mutex};

use ignore::WalkBuilder;

/// Directories that hold generated or third-party code in mobile projects.
pub const SKIPPED_DIRS: &[&str] =
    &["Pods", ".dart_tool", "build", "DerivedData", ".symlinks", ".gradle", "node_modules", "Carthage", ".build"];

/// Generated Dart sources (json_serializable, freezed, mockito, …).
pub const SKIPPED_SUFFIXES: &[&str] = &[".g.dart", ".freezed.dart", ".mocks.dart"];

pub fn is_generated(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    SKIPPED_SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// A file the walk found, or an entry it could not read.
pub enum Walked {
    /// `explicit` is true for a file named on the command line (always analysed).
    File {
        path: PathBuf,
        explicit: bool,
    },
    Unreadable {
        path: PathBuf,
        error: String,
    },
}

/// Stack size of analysis workers: rules may recurse over nested statements, and the tree
/// depth limit keeps that bounded well inside this.
const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Walks `roots` (gitignore-aware, skipping generated and vendored code) in parallel, streaming,
/// so memory stays flat however large the tree. Each file first goes through `triage` on the
/// walker's threads (cheap work: read, prefilter); what it returns goes to `work` on worker
/// threads with large stacks (parsing and rules, which may recurse over nested code).
/// `threads` is the number of each (0: one per core).
pub fn for_each_file<T: Send>(
    roots: &[PathBuf],
    threads: usize,
    triage: impl Fn(Walked) -> Option<T> + Sync,
    work: impl Fn(T) + Sync,
) {
    let threads = if threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { threads };
    // A short queue: parsing is the slow side, and waiting files hold their whole text.
    let (sender, receiver) = mpsc::sync_channel::<T>(threads * 2);
    let receiver = Mutex::new(receiver);
    std::thread::scope(|scope| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .name("bglint-worker".into())
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, || loop {
                    let next = receiver.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match next {
                        Ok(item) => work(item),
                        Err(_) => break,
                    }
                })
                .expect("spawn an analysis worker");
        }
        walker(roots, threads).run(|| {
            let sender = sender.clone();
            let triage = &triage;
            Box::new(move |entry| {
                let item = match entry {
                    Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                        Walked::File { explicit: e.depth() == 0, path: e.into_path() }
                    }
                    Ok(_) => return ignore::WalkState::Continue,
                    Err(err) => Walked::Unreadable { path: err_path(&err).unwrap_or_default(), error: err.to_string() },
                };
                match triage(item).map(|t| sender.send(t)) {
                    Some(Err(_)) => ignore::WalkState::Quit,
                    _ => ignore::WalkState::Continue,
                }
            })
        });
        drop(sender);
    });
}

fn walker(roots: &[PathBuf], threads: usize) -> ignore::WalkParallel {
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

fn err_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => err_path(err),
        _ => None,
    }
}
