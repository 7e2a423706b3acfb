#!/usr/bin/env bash
# Builds the fuzz seed corpus in fuzz/corpus/<target>/ from the repository's fixtures, rule
# examples, baseline and committed regressions (see bglint::fuzzing::seeds). The corpus is not
# committed; rerun after adding fixtures or rules.
set -euo pipefail
cd "$(dirname "$0")/.."
BGLINT_FUZZ_SEEDS="$PWD/fuzz/corpus" cargo test --quiet --test fuzz_smoke write_seed_corpus -- --ignored
for d in fuzz/corpus/*/; do printf '%-16s %5d files\n' "$(basename "$d")" "$(ls "$d" | wc -l)"; done
