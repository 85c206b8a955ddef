#!/usr/bin/env bash
# P8 (flood latency) against an earlier commit: runs FloodLatency of this checkout and of <base> alternately in one
# session (the side that goes first alternates by round), so both see the same machine, and prints every run's rows
# and the median of each percentile per side.
#
# Usage: bash limiter-bench/run-flood-compare.sh <base-commit> [rounds] [keys] [flood-threads] [seconds] [store]
#   defaults: 3 rounds, 1000000 keys, 16 threads, 10 s, store memory (or caffeine)
# Extra JVM options (e.g. a flight recording) come from FLOOD_JAVA_OPTS. The base is built as run-p3-compare.sh does
# (limiter-bench/compare-base.sh). Results: limiter-bench/target/flood-compare/{head,base}-<round>.{json,txt}.
# About 25 s per side and round after the builds at the defaults (filling 1M keys, 3 s warm-up, 10 s measured).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
base="${1:?usage: bash limiter-bench/run-flood-compare.sh <base-commit> [rounds] [keys] [flood-threads] [seconds] [store]}"
rounds="${2:-3}"
args=("${3:-1000000}" "${4:-16}" "${5:-10}" "${6:-memory}")
out="$root/limiter-bench/target/flood-compare"
source "$root/limiter-bench/compare-base.sh"
prepare "$base" "$out"
for round in $(seq 1 "$rounds"); do
  sides=(head base)
  [ $((round % 2)) -eq 0 ] && sides=(base head)
  for side in "${sides[@]}"; do
    dir="$root"
    [ "$side" = base ] && dir="$base_dir"
    echo "== round $round: $side (load $(cut -d' ' -f1 /proc/loadavg))"
    # shellcheck disable=SC2086 # FLOOD_JAVA_OPTS is a list of options
    java -Xmx3g ${FLOOD_JAVA_OPTS:-} -cp "$(cat "$dir/limiter-bench/target/classpath.txt")" \
      io.limiter.bench.FloodLatency "${args[@]}" "$out/$side-$round.json" >"$out/$side-$round.txt" 2>&1
  done
done
python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
cols = ("p50", "p99", "p999", "p9999", "max")
us = lambda ns: f"{ns / 1000:.1f}"
runs = {side: [json.load(open(f"{out}/{side}-{r}.json")) for r in range(1, rounds + 1)] for side in ("head", "base")}
print("| side | round | decision | calls | p50 µs | p99 µs | p99.9 µs | p99.99 µs | max µs | exhausted admitted |")
print("|---|---|---|---|---|---|---|---|---|---|")
for side, results in runs.items():
    for r, res in enumerate(results, 1):
        for row in res["rows"]:
            print(f"| {side} | {r} | {row['name']} | {row['calls']:,} | " + " | ".join(us(row[c]) for c in cols)
                  + f" | {res['exhaustedAdmitted']} |")
print()
print("| decision | side | median p50 µs | p99 µs | p99.9 µs | p99.99 µs | max µs |")
print("|---|---|---|---|---|---|---|")
for name in ("existing", "new", "control"):
    for side, results in runs.items():
        rows = [next(x for x in res["rows"] if x["name"] == name) for res in results]
        print(f"| {name} | {side} | " + " | ".join(us(statistics.median(x[c] for x in rows)) for c in cols) + " |")
PY
