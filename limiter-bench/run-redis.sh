#!/usr/bin/env bash
# P6/P7: Limiter's Redis store vs Bucket4j's Lettuce proxy manager vs a plain GET, against a private redis-server on
# a free loopback port, next to redis-benchmark's GET on the same server.
#
# Usage: limiter-bench/run-redis.sh <classpath> <out-dir> [targets]   (targets: comma list, default: all known)
# Environment: REDIS_SECONDS (5), REDIS_WARMUP (1), REDIS_KEYS (1,10000), REDIS_MODES (sync1,sync8,async64).
set -euo pipefail
cp="$1"
out="$2"
targets="${3:-}"

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1; then
  echo "run-redis.sh: redis-server and redis-benchmark are needed; install them with: apt-get install redis-server redis-tools" >&2
  exit 1
fi

port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)"
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >"$out/redis-server.log" 2>&1 &
redis_pid=$!
trap 'kill "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  redis-cli -p "$port" ping >/dev/null 2>&1 && break
  sleep 0.1
done
redis-cli -p "$port" ping >/dev/null

args=(--uri "redis://127.0.0.1:$port" --out "$out/redis.json"
  --seconds "${REDIS_SECONDS:-5}" --warmup "${REDIS_WARMUP:-1}"
  --keys "${REDIS_KEYS:-1,10000}" --modes "${REDIS_MODES:-sync1,sync8,async64}")
[ -n "$targets" ] && args+=(--targets "$targets")
java -Xmx1g -cp "$cp" io.limiter.bench.RedisLoad "${args[@]}"

# the server's own floors, 8 clients (as 8 sync threads) and 64 (as 64 in flight), no pipelining: a GET, and
# Limiter's (single-limit) token-bucket script itself on one hot key under a limit never reached (1 µs per permit, a burst of 10^12
# µs), which is what one Redis server can decide per second whatever the client
scripts="$(dirname "$0")/../limiter-redis/src/main/resources/io/limiter/redis/internal"
sha="$(redis-cli -p "$port" script load "$(cat "$scripts/prelude.lua"; echo; cat "$scripts/token_bucket_single.lua")")"
script_args=(evalsha "$sha" 1 '{bench:hot}' '' g1 1000 1 0 1000000000000 0)
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
