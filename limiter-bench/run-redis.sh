#!/usr/bin/env bash
# P6/P7: Limiter's Redis store vs Bucket4j's Lettuce proxy manager vs a plain GET, against a private redis-server on
# a free loopback port, measured interleaved (each key count and mode: every target one after the other), next to
# redis-benchmark's GET on the same server when redis-benchmark is installed.
#
# Nothing needs installing: the server is redis-server from the PATH, else the binary limiter-redis's tests use (inside
# the embedded-redis test dependency, found by their shared RedisServer helper). Without redis-benchmark the GET floor
# is the `get` rows: a plain Lettuce GET from the same harness, client stack and thread counts (RedisLoad).
#
# Usage: limiter-bench/run-redis.sh <classpath> <out-dir> [targets]   (targets: comma list, default: all known)
# At the end it prints P6/P7's table and target rows (BenchmarkReport --redis), as docs/benchmarks.md shows them.
# Environment: REDIS_SECONDS (5), REDIS_WARMUP (1), REDIS_KEYS (1,10000), REDIS_MODES (sync1,sync8,async64),
#              REDIS_ROUNDS (1), REDIS_LATENCY (20000 uncontended decisions per target; 0 to skip).
set -euo pipefail
cp="$1"
out="$2"
targets="${3:-}"

args=(--out "$out/redis.json"
  --seconds "${REDIS_SECONDS:-5}" --warmup "${REDIS_WARMUP:-1}" --rounds "${REDIS_ROUNDS:-1}"
  --keys "${REDIS_KEYS:-1,10000}" --modes "${REDIS_MODES:-sync1,sync8,async64}")
[ -n "$targets" ] && args+=(--targets "$targets")
[ "${REDIS_LATENCY:-20000}" != 0 ] && args+=(--latency "${REDIS_LATENCY:-20000}")

if ! command -v redis-benchmark >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "run-redis.sh: no redis-benchmark/redis-cli: the GET floor is the harness's own GET rows (same client, same threads)"
  rm -f "$out/redis-benchmark.csv"
  # RedisLoad starts the server itself (auto: PATH, else the embedded binary) and reports its CPU per decision
  java -Xmx1g -cp "$cp" io.limiter.bench.RedisLoad --server auto "${args[@]}"
  java -cp "$cp" io.limiter.bench.RedisLoad --server-version auto > "$out/redis-version.txt"
  java -cp "$cp" io.limiter.bench.BenchmarkReport --redis "$out"
  exit 0
fi

server="$(command -v redis-server || java -cp "$cp" io.limiter.bench.RedisLoad --which-server auto)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)"
"$server" --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >"$out/redis-server.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null

java -Xmx1g -cp "$cp" io.limiter.bench.RedisLoad --uri "redis://127.0.0.1:$port" --server-pid "$redis_pid" "${args[@]}"

# the server's own floors, 8 clients (as 8 sync threads) and 64 (as 64 in flight), no pipelining: a GET, and
# Limiter's (single-limit) token-bucket script itself on one hot key under a limit never reached (1 µs per permit, a burst of 10^12
# µs), which is what one Redis server can decide per second whatever the client
scripts="$(dirname "$0")/../limiter-redis/src/main/resources/io/limiter/redis/internal"
sha="$(redis-cli -p "$port" script load "$(cat "$scripts/direct_io.lua"; echo; cat "$scripts/prelude.lua"; echo; \
  cat "$scripts/bucket_step.lua"; echo; cat "$scripts/token_bucket_single.lua")")"
script_args=(evalsha "$sha" 1 '{bench:hot}' '' g1: 1000 1 0 1000000000000 0 1000)
{
  redis-benchmark -h 127.0.0.1 -p "$port" -t get -c 8 -n 200000 --csv | sed -n '2p' | sed 's/^"GET"/"GET c=8"/'
  redis-benchmark -h 127.0.0.1 -p "$port" -t get -c 64 -n 400000 --csv | sed -n '2p' | sed 's/^"GET"/"GET c=64"/'
  redis-benchmark -h 127.0.0.1 -p "$port" -c 8 -n 200000 --csv "${script_args[@]}" | tail -1 \
    | sed 's/^"[^"]*"/"Limiter script c=8"/'
  redis-benchmark -h 127.0.0.1 -p "$port" -c 64 -n 400000 --csv "${script_args[@]}" | tail -1 \
    | sed 's/^"[^"]*"/"Limiter script c=64"/'
} > "$out/redis-benchmark.csv"
cat "$out/redis-benchmark.csv"
redis-cli -p "$port" info server | sed -n 's/^redis_version:\(.*\)\r*$/\1/p' | tr -d '\r' > "$out/redis-version.txt"
# the table and target rows docs/benchmarks.md shows for these results
java -cp "$cp" io.limiter.bench.BenchmarkReport --redis "$out"
