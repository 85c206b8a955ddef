#!/usr/bin/env bash
# Runs the whole benchmark suite and regenerates docs/benchmarks.md and docs/benchmarks.png.
#
# Usage: bash limiter-bench/run.sh [--quick | --classpath]
#   --quick      a fraction of a second per benchmark: checks the harness end to end; the numbers mean nothing, so
#                the report goes to limiter-bench/target/quick-report/ and the committed docs/ stay as they are.
#   --classpath  only builds and writes limiter-bench/target/classpath.txt, for running parts alone.
# About 20-25 minutes on 2 idle cores without --quick (19 min before P4 at 10M gained the key-string store and P8
# its control thread); --quick took 17 min on 2 cores at load 20. Run it on an otherwise idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
quick=false
classpath_only=false
case "${1:-}" in
  "") ;;
  --quick) quick=true ;;
  --classpath) classpath_only=true ;;
  *) echo "unknown option ${1}; usage: bash limiter-bench/run.sh [--quick | --classpath]" >&2; exit 2 ;;
esac
command_line="bash limiter-bench/run.sh${1:+ $1}"
results="$root/limiter-bench/target/results"

echo "== building limiter-bench"
mvn -q -B -pl limiter-bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/dependencies.txt -Dmdep.includeScope=runtime
cp="$root/limiter-bench/target/classes:$(cat limiter-bench/target/dependencies.txt)"
echo "$cp" > limiter-bench/target/classpath.txt
if $classpath_only; then
  echo "wrote limiter-bench/target/classpath.txt"
  exit 0
fi
rm -rf "$results"
mkdir -p "$results"

skipped=()
{
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "nproc=$(nproc)"
  echo "cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)"
  echo "memory=$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "os=$(uname -sr)"
  echo "loadBefore=$(cut -d' ' -f1-3 /proc/loadavg)"
  command -v wrk >/dev/null 2>&1 && echo "wrk=$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)"
} > "$results/environment.txt"

if $quick; then
  jmh_opts=(-f 1 -wi 1 -w 100ms -i 2 -r 200ms)
  mem_args=(100000 10000)
  export HTTP_DURATION=2s HTTP_ROUNDS=1 HTTP_REPEATS=1 HTTP_WARMUP=1s HTTP_SPRING_WARMUP=1s REDIS_SECONDS=1 REDIS_WARMUP=1 \
    REDIS_LATENCY=1000
else
  jmh_opts=()
  mem_args=(1000000 50000)
fi

jmh() {
  local out="$1"
  shift
  java -cp "$cp" org.openjdk.jmh.Main "$@" ${jmh_opts[@]+"${jmh_opts[@]}"} -rf json -rff "$results/$out"
}

echo "== P1: one key, 1 thread"
jmh p1.json OneKeyBenchmark -t 1
echo "== P2: one key, 2 threads"
jmh p2.json OneKeyBenchmark -t 2
echo "== P3: 100k keys, 1 and 2 threads"
jmh p3.json ManyKeysBenchmark -t 1
jmh p3-t2.json ManyKeysBenchmark -t 2

echo "== P4: memory per key"
java -Xmx3g -XX:+UseSerialGC -Djdk.attach.allowAttachSelf=true -cp "$cp" io.limiter.bench.MemoryFootprint \
  "${mem_args[@]}" "$results/memory.json"
if ! $quick; then
  echo "== P4 at 10,000,000 keys (all in: a store that keeps no key strings costs its heap delta alone; needs 9 GB heap)"
  java -Xmx9g -XX:+UseSerialGC -cp "$cp" io.limiter.bench.MemoryFootprint 10000000 0 "$results/memory-10m.json" \
    limiterInMemory,limiterInMemoryKeyStrings,limiterCaffeine,bucket4jMap,bucket4jCaffeine \
    | tee "$results/memory-10m.txt"
fi

echo "== P8: flood latency (16 threads flood a full store of 1M keys with new keys)"
flood_args=(1000000 16 10)
$quick && flood_args=(100000 16 1)
for store in memory caffeine; do
  java -Xmx3g -cp "$cp" io.limiter.bench.FloodLatency "${flood_args[@]}" "$store" "$results/flood-$store.json" \
    | tee -a "$results/flood.md"
done

echo "== P5: HTTP"
if command -v wrk >/dev/null 2>&1; then
  mapfile -t http_runs < <(java -cp "$cp" io.limiter.bench.HttpTarget --runs)
  bash limiter-bench/run-http.sh "$cp" "$results/http.tsv" "${http_runs[@]}"
else
  skipped+=("P5 (wrk is not installed: apt-get install wrk)")
fi

echo "== P5-R: reactive HTTP (WebFlux on Netty, Spring Cloud Gateway on Redis)"
if command -v wrk >/dev/null 2>&1; then
  bash limiter-bench/run-reactive.sh "$cp" "$results/http-reactive.tsv"
else
  skipped+=("P5-R (wrk is not installed: apt-get install wrk)")
fi

echo "== P6/P7: Redis"
# needs nothing installed: redis-server from the PATH, else the binary limiter-redis's tests use; without
# redis-benchmark the GET floor is the harness's own GET (same client stack and thread counts), labelled so
bash limiter-bench/run-redis.sh "$cp" "$results"

{
  echo "loadAfter=$(cut -d' ' -f1-3 /proc/loadavg)"
  if [ ${#skipped[@]} -gt 0 ]; then
    (IFS=';'; echo "skipped=${skipped[*]}")
  fi
} >> "$results/environment.txt"

echo "== report"
report_dir="$root/docs"
if $quick; then
  # a harness check's numbers mean nothing: never overwrite the published page with them
  report_dir="$root/limiter-bench/target/quick-report"
  mkdir -p "$report_dir"
fi
# the published page's hand-written sections (a heading the template lacks) are carried over, in quick mode too
report_args=(--results "$results" --out "$report_dir" --command "$command_line" --previous "$root/docs/benchmarks.md")
$quick && report_args+=(--quick)
java -cp "$cp" io.limiter.bench.BenchmarkReport "${report_args[@]}"
echo "report written to $report_dir"
