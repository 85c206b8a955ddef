#!/usr/bin/env bash
# The overload comparison of docs/step-throttling.md: every contender (no limiter, static limits, Netflix
# concurrency-limits AIMD/Vegas/Gradient2, Limiter's adaptive steps on a rate and on a concurrency limit) against the
# same simulated service and the same seeded open-loop load over HTTP. Writes limiter-bench/target/overload/ (overload.md, .csv, .png, one PNG per phase).
#
# Usage: bash limiter-bench/run-overload.sh [--docs] [options of io.limiter.bench.overload.OverloadBenchmark]
#   --docs       also replaces the tables in docs/step-throttling.md, docs/step-throttling-overload.png and the
#                per-phase charts docs/step-throttling-overload-<phase>.png
#   --repeats N  runs every contender N times, interleaved (default 1); --phase-seconds 8 --scale 0.25 --seed 17
#   --contenders vegas,gradient2,steps-conc   only these contenders
#   --variant 'NAME=SETTINGS'  adds a contender NAME built as steps-conc with other controller settings (repeatable),
#                e.g. --variant 'steps-conc-one=fast-down=105%; cooldown=1s; step-down=one'
#                (see docs/step-throttling.md for the settings; their durations are scaled like the cooldown)
# About 45 s per contender and repeat (nine contenders). Run it on an otherwise idle machine; the page records the load.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
args=()
for a in "$@"; do
  if [ "$a" = "--docs" ]; then
    args+=(--docs "$root/docs/step-throttling.md")
  else
    args+=("$a")
  fi
done
mvn -q -B -pl limiter-bench -am package dependency:build-classpath -DskipTests \
  -Dmdep.outputFile=target/dependencies.txt -Dmdep.includeScope=runtime
cp="$root/limiter-bench/target/classes:$(cat limiter-bench/target/dependencies.txt)"
java -Xmx1g -cp "$cp" io.limiter.bench.overload.OverloadBenchmark --out "$root/limiter-bench/target/overload" \
  ${args[@]+"${args[@]}"}
