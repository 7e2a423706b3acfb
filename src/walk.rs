//! Finding the files to analyse: a gitignore-aware parallel walk (the `ignore` crate, as
//! ripgrep and Ruff use) that skips what mobile projects generate or vendor, and the pool of
//! big-stack worker threads. A layer under both project discovery and the engine, which both
//! call it, so data flows one way (walk → project → engine).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

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
pub(crate) const WORKER_STACK_BYTES: usize = 64 * 1024 * 1024;

/// Walks `roots` (gitignore-aware, skipping generated and vendored code) in parallel and returns
/// the files `keep` accepts, sorted. Paths are small; contents are read later, one file per
/// worker at a time, so memory stays flat however large the tree.
pub fn collect(roots: &[PathBuf], threads: usize, keep: impl Fn(&Path) -> bool + Sync) -> Vec<Walked> {
    let threads = resolve_threads(threads);
    let found: Mutex<Vec<Walked>> = Mutex::new(Vec::new());
    walker(roots, threads).run(|| {
        let (found, keep) = (&found, &keep);
        Box::new(move |entry| {
            let item = match entry {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    if !keep(e.path()) {
                        return ignore::WalkState::Continue;
                    }
                    Walked::File { explicit: e.depth() == 0, path: e.into_path() }
                }
                Ok(_) => return ignore::WalkState::Continue,
                Err(err) => Walked::Unreadable { path: err_path(&err).unwrap_or_default(), error: err.to_string() },
            };
            found.lock().unwrap_or_else(|e| e.into_inner()).push(item);
            ignore::WalkState::Continue
        })
    });
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by(|a, b| a.path().cmp(b.path()));
    found
}

impl Walked {
    pub fn path(&self) -> &Path {
        match self {
            Walked::File { path, .. } | Walked::Unreadable { path, .. } => path,
        }
    }
}

fn resolve_threads(threads: usize) -> usize {
    if threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        threads
    }
}

/// Runs `work` on every item on `threads` worker threads with large stacks (parsing and rules
/// may recurse over nested code). Items are taken in order, one at a time.
pub fn parallel<T: Send>(items: Vec<T>, threads: usize, work: impl Fn(T) + Sync) {
    let threads = resolve_threads(threads).min(items.len().max(1));
    let queue = Mutex::new(items.into_iter());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            std::thread::Builder::new()
                .name("bglint-worker".into())
                .stack_size(WORKER_STACK_BYTES)
                .spawn_scoped(scope, || loop {
                    let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                    match next {
                        Some(item) => work(item),
                        None => break,
                    }
                })
                .expect("spawn an analysis worker");
        }
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
