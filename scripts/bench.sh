#!/usr/bin/env bash
# Benchmark bglint on a corpus of real apps: corpus size, wall time (best of N), peak memory,
# and the parse-everything baseline with grammar health per language.
# Usage: scripts/bench.sh CORPUS_DIR [RUNS]
set -euo pipefail
corpus=${1:?usage: scripts/bench.sh CORPUS_DIR [RUNS]}
runs=${2:-3}
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/bglint

files=$(find "$corpus" -type f \( -name '*.dart' -o -name '*.swift' -o -name '*.kt' -o -name '*.kts' -o -name '*.java' \) | wc -l)
bytes=$(find "$corpus" -type f \( -name '*.dart' -o -name '*.swift' -o -name '*.kt' -o -name '*.kts' -o -name '*.java' \) -print0 | du -cb --files0-from=- | tail -1 | cut -f1)
echo "corpus: $corpus — $files source files, $((bytes / 1000000)) MB (before ignore rules)"
echo "cores: $(nproc)"

best=""
for i in $(seq "$runs"); do
  start=$(date +%s.%N)
  if command -v /usr/bin/time >/dev/null; then
    /usr/bin/time -f "%M" -o /tmp/bglint-bench-mem "$bin" check "$corpus" --format json >/tmp/bglint-bench.json || true
  else
    "$bin" check "$corpus" --format json >/tmp/bglint-bench.json || true
  fi
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  echo "run $i: ${t}s"
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
done
echo "bglint check: best ${best}s of $runs"
[ -f /tmp/bglint-bench-mem ] && echo "peak RSS: $(( $(tail -1 /tmp/bglint-bench-mem) / 1024 )) MB"
python3 - <<'PY'
import json
r = json.load(open('/tmp/bglint-bench.json'))
s = r['summary']
print(f"files analysed {s['files_analyzed']}, parsed {s['files_parsed']}, partly unreadable {s['files_with_syntax_errors']}, skipped {s['files_skipped']}, findings {len(r['findings'])}")
PY
echo "-- parse-everything baseline (no prefilter, no rules):"
"$bin" stats "$corpus"
