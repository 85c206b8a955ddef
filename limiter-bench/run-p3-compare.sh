#!/usr/bin/env bash
# P3 against an earlier commit: runs ManyKeysBenchmark of this checkout and of <base> alternately in one session, so
# that both see the same machine (a busy machine moves every score; the ratio of neighbouring runs moves less).
#
# Usage: bash limiter-bench/run-p3-compare.sh <base-commit> [rounds] [benchmark regexp]
#   rounds     how many times each side runs (default 3)
#   benchmark  JMH include pattern (default ManyKeysBenchmark.limiterInMemory)
# The base is exported with git archive to limiter-bench/target/p3-base/<commit> and built there (offline, no
# install). Results: limiter-bench/target/p3-compare/{head,base}-<round>.json and a summary on stdout.
# About 1 minute per side and round after the builds (JMH: 3 x 1 s warm-up, 5 x 1 s measurement, 1 fork; allow and
# deny paths, 1 thread).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
base="${1:?usage: bash limiter-bench/run-p3-compare.sh <base-commit> [rounds] [benchmark regexp]}"
rounds="${2:-3}"
bench="${3:-ManyKeysBenchmark.limiterInMemory}"
out="$root/limiter-bench/target/p3-compare"
source "$root/limiter-bench/compare-base.sh"
prepare "$base" "$out"
for round in $(seq 1 "$rounds"); do
  for side in head base; do
    dir="$root"
    [ "$side" = base ] && dir="$base_dir"
    echo "== round $round: $side (load $(cut -d' ' -f1 /proc/loadavg))"
    java -cp "$(cat "$dir/limiter-bench/target/classpath.txt")" org.openjdk.jmh.Main "$bench" -t 1 -f 1 \
      -wi 3 -w 1s -i 5 -r 1s -rf json -rff "$out/$side-$round.json" >"$out/$side-$round.log" 2>&1
  done
done
python3 - "$out" "$rounds" <<'EOF'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
rows = {}
for r in range(1, rounds + 1):
    for side in ("head", "base"):
        for b in json.load(open(f"{out}/{side}-{r}.json")):
            name = b["benchmark"].rsplit(".", 1)[1] + " " + ",".join(f"{k}={v}" for k, v in sorted(b.get("params", {}).items()))
            rows.setdefault(name, {}).setdefault(r, {})[side] = b["primaryMetric"]["score"]
print("| benchmark | round | head ops/µs | base ops/µs | head ÷ base |")
print("|---|---|---|---|---|")
for name, by_round in sorted(rows.items()):
    for r, v in sorted(by_round.items()):
        h, b = v.get("head"), v.get("base")
        ratio = f"{h / b:.2f}" if h and b else "—"
        show = lambda x: f"{x:.3f}" if x else "—"
        print(f"| {name} | {r} | {show(h)} | {show(b)} | {ratio} |")
EOF
