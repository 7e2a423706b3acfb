//! A short, deterministic run of every fuzz target on stable (the long, coverage-guided
//! campaign is `cargo +nightly fuzz run <target>`, see CONTRIBUTING.md): the seed corpus, the
//! committed regressions in tests/fuzz-regressions/<target>/, and fixed-seed mutations of the
//! seeds. A target panics on a defect; each input must also finish within a time bound.

use std::path::Path;
use std::time::{Duration, Instant};

use bglint::fuzzing;

/// Seeds mutated per target, and mutations per seed: enough to reach past the happy path,
/// few enough for a debug build on a busy machine.
const MUTATED_SEEDS: usize = 24;
const MUTATIONS_PER_SEED: usize = 6;
/// Far above what any input takes (milliseconds); a debug build on a loaded CI machine is slow.
const PER_INPUT: Duration = Duration::from_secs(30);

fn replay(target: &str, name: &str, data: &[u8]) {
    let started = Instant::now();
    let outcome = std::panic::catch_unwind(|| fuzzing::target(target, data));
    if let Err(panic) = outcome {
        let dir = std::env::temp_dir().join("bglint-fuzz-smoke-failures");
        let _ = std::fs::create_dir_all(&dir);
        let saved = dir.join(format!("{target}-{}", name.replace('/', "_")));
        let _ = std::fs::write(&saved, data);
        std::panic::resume_unwind(Box::new(format!(
            "fuzz target {target} failed on {name} (input saved to {}): {:?}",
            saved.display(),
            panic.downcast_ref::<String>().map(String::as_str).or(panic.downcast_ref::<&str>().copied())
        )));
    }
    let took = started.elapsed();
    assert!(took < PER_INPUT, "fuzz target {target} took {took:?} on {name}");
}

fn regressions(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions").join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|e| e.path().is_file())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

fn smoke(target: &str) {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds: Vec<(String, Vec<u8>)> =
        fuzzing::seeds(repo).into_iter().filter(|(t, _, _)| *t == target).map(|(_, n, b)| (n, b)).collect();
    assert!(!seeds.is_empty(), "target {target} has no seeds");
    for (name, data) in regressions(target) {
        replay(target, &format!("regression {name}"), &data);
    }
    for (name, data) in &seeds {
        replay(target, name, data);
    }
    let step = seeds.len().div_ceil(MUTATED_SEEDS).max(1);
    for (i, (name, data)) in seeds.iter().enumerate().step_by(step) {
        // A fixed seed per input: the same mutations on every run.
        for (j, mutated) in
            fuzzing::mutations(data, MUTATIONS_PER_SEED, 0x9e37_79b9_7f4a_7c15 ^ i as u64).iter().enumerate()
        {
            replay(target, &format!("{name} mutation {j}"), mutated);
        }
    }
}

/// One test per target (they run in parallel); `every_target_is_smoked` keeps the list whole.
macro_rules! smoke_tests {
    ($($name:ident),* $(,)?) => {
        $( #[test] fn $name() { smoke(stringify!($name)); } )*
        const SMOKED: &[&str] = &[$(stringify!($name)),*];
    };
}

smoke_tests!(dart, swift, kotlin, java, plist, manifest, gradle_groovy, gradle_kts, pubspec, config, baseline, lsp);

#[test]
fn every_target_is_smoked() {
    for target in fuzzing::TARGETS {
        assert!(SMOKED.contains(target), "add {target} to smoke_tests! in tests/fuzz_smoke.rs");
    }
    for (source, _) in fuzzing::SOURCES {
        assert!(fuzzing::TARGETS.contains(source), "add {source} to fuzzing::TARGETS");
    }
    let fuzz_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    for target in fuzzing::TARGETS {
        assert!(fuzz_dir.join(format!("{target}.rs")).is_file(), "fuzz/fuzz_targets/{target}.rs is missing");
    }
}

/// Writes the seed corpus to $BGLINT_FUZZ_SEEDS/<target>/ (scripts/fuzz-seeds.sh runs this).
#[test]
#[ignore = "writes files; run by scripts/fuzz-seeds.sh"]
fn write_seed_corpus() {
    let Some(out) = std::env::var_os("BGLINT_FUZZ_SEEDS") else { return };
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    for (target, name, data) in fuzzing::seeds(repo) {
        let dir = Path::new(&out).join(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("seed-{name}")), data).unwrap();
    }
    for target in fuzzing::TARGETS {
        for (name, data) in regressions(target) {
            let dir = Path::new(&out).join(target);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(format!("regression-{name}")), data).unwrap();
        }
    }
}
