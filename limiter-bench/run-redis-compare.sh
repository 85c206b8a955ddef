#!/usr/bin/env bash
# Issue 13 (P6) against an earlier commit: Limiter's Redis store of this checkout and of <base>, measured alternately in
# one session by this checkout's harness (the same RedisLoad and RedisServerCost; only the limiter-redis jar differs),
# so that both see the same machine. Each run starts its own redis-server (the PATH's, else the binary the Redis tests
# use) and measures the store against the harness's own GET, interleaved: the limiter ÷ GET ratio and the server CPU
# per decision of a run are the figures to compare. RedisServerCost then gives the server's cost per call and per
# decision of lone calls and of vectors (see its javadoc).
#
# Usage: bash limiter-bench/run-redis-compare.sh <base-commit> [rounds]
# Environment: REDIS_KEYS (1,10000), REDIS_MODES (sync8,async64), REDIS_SECONDS (4), REDIS_WARMUP (2),
#              COST_SECONDS (2), COST_BURSTS (1,2,5,9,17).
# Results: limiter-bench/target/redis-compare/{head,base}-<round>.log and a summary on stdout.
# About 1.5 minutes per side and round after the builds.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
base="${1:?usage: bash limiter-bench/run-redis-compare.sh <base-commit> [rounds]}"
rounds="${2:-2}"
out="$root/limiter-bench/target/redis-compare"
source "$root/limiter-bench/compare-base.sh"
prepare "$base" "$out"
head_cp="$(cat "$root/limiter-bench/target/classpath.txt")"
jar="limiter-redis/target/limiter-redis-0.1.0-SNAPSHOT.jar"
case ":$head_cp:" in
  *":$root/$jar:"*) ;;
  *) echo "run-redis-compare.sh: $root/$jar is not on limiter-bench's class path" >&2; exit 1 ;;
esac
base_cp="${head_cp//$root\/$jar/$base_dir/$jar}"
for round in $(seq 1 "$rounds"); do
  for side in head base; do
    cp="$head_cp"
    [ "$side" = base ] && cp="$base_cp"
    echo "== round $round: $side (load $(cut -d' ' -f1 /proc/loadavg))"
    {
      java -Xmx1g -cp "$cp" io.limiter.bench.RedisLoad --server auto --targets get,limiter \
        --keys "${REDIS_KEYS:-1,10000}" --modes "${REDIS_MODES:-sync8,async64}" \
        --seconds "${REDIS_SECONDS:-4}" --warmup "${REDIS_WARMUP:-2}"
      java -Xmx1g -cp "$cp" io.limiter.bench.RedisServerCost --server auto --seconds "${COST_SECONDS:-2}" \
        --bursts "${COST_BURSTS:-1,2,5,9,17}"
    } >"$out/$side-$round.log" 2>&1
  done
done
for round in $(seq 1 "$rounds"); do
  for side in head base; do
    echo "-- round $round, $side"
    grep -E '÷ get|^limiter |^\| [0-9]+, ' "$out/$side-$round.log" | sed 's/  */ /g'
  done
done
