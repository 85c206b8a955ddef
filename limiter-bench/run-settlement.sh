#!/usr/bin/env bash
# Settlement and a request's several policies (issue 14's performance rows), in one session:
#  1. JMH SettlementBenchmark, in-memory, one run with every variant (acquire, reserve+commit, reserve+settle to less,
#     reserve+refund, two policies reserved one by one, two policies as claims taken all or nothing);
#  2. SettlementRoundTrips on Redis (nothing to install: redis-server from the PATH, else the binary limiter-redis's
#     tests use): mean and p99 per request and the ratio to a plain acquire, each round interleaved.
# Usage: bash limiter-bench/run-settlement.sh [rounds]   (rounds of the Redis part, default 3)
# Results: limiter-bench/target/settlement/{jmh.json,jmh.log,redis.md}. About 3 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
out="limiter-bench/target/settlement"
[ -f limiter-bench/target/classpath.txt ] || bash limiter-bench/run.sh --classpath
cp="$(cat limiter-bench/target/classpath.txt)"
mkdir -p "$out"
echo "== JMH SettlementBenchmark (load $(cut -d' ' -f1 /proc/loadavg))"
java -Djmh.ignoreLock=true -cp "$cp" org.openjdk.jmh.Main SettlementBenchmark -t 1 -f 1 -wi 3 -w 1s -i 5 -r 1s \
  -rf json -rff "$out/jmh.json" >"$out/jmh.log" 2>&1
python3 - "$out/jmh.json" <<'PY'
import json, sys
rows = {b["benchmark"].rsplit(".", 1)[1]: b["primaryMetric"] for b in json.load(open(sys.argv[1]))}
base = rows["acquire"]["score"]
print("| variant | ops/µs | ± | time ÷ acquire's |")
print("|---|---:|---:|---:|")
for name, m in rows.items():
    print(f"| {name} | {m['score']:.2f} | {m['scoreError']:.2f} | {base / m['score']:.2f}× |")
PY
echo "== SettlementRoundTrips on Redis (load $(cut -d' ' -f1 /proc/loadavg))"
java -Xmx512m -cp "$cp" io.limiter.bench.SettlementRoundTrips --server auto --rounds "$rounds" | tee "$out/redis.md"
