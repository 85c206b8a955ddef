#!/usr/bin/env bash
# P5-R: HTTP throughput of Spring Boot applications on Reactor Netty (ReactiveTarget), measured with wrk on loopback
# by run-http.sh (a fresh server per variant and run, the variants interleaved round by round):
#   webflux          a WebFlux endpoint, no filter
#   webflux-limiter  the same with Limiter's WebFilter (limiter.filter.rules, in-memory store), limit never reached
#   gateway-redis    a Spring Cloud Gateway route to a local backend, the gateway's RedisRateLimiter
#   gateway-limiter  the same route with Limiter's LimiterRateLimiter on its Redis store (limiter.store=redis)
# The gateway variants share one private redis-server on a free loopback port, started here: redis-server from the
# PATH, else the binary limiter-redis's tests use (nothing to install). At the end it prints P5-R's table and target
# rows (BenchmarkReport --p5r), as docs/benchmarks.md shows them.
#
# Usage: bash limiter-bench/run-reactive.sh <classpath> <out.tsv> [variant ...]
#   <classpath>: e.g. "$(cat limiter-bench/target/classpath.txt)" after bash limiter-bench/run.sh --classpath
#   variants:    default every ReactiveTarget variant, in the order above
# Environment: as run-http.sh (HTTP_ROUNDS, HTTP_DURATION, HTTP_REACTIVE_WARMUP, WRK_THREADS, WRK_CONNECTIONS).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$1"
out="$2"
shift 2
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  mapfile -t runs < <(java -cp "$cp" io.limiter.bench.ReactiveTarget --runs)
fi

server="$(command -v redis-server || java -cp "$cp" io.limiter.bench.RedisLoad --which-server auto)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' 2>/dev/null \
  || shuf -i 20000-60000 -n 1)"
redis_log="$(mktemp)"
"$server" --bind 127.0.0.1 --port "$port" --save '' --appendonly no --daemonize no >"$redis_log" 2>&1 &
redis_pid=$!
stop_redis() {
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  rm -f "$redis_log"
}
trap stop_redis EXIT
# PING over bash's /dev/tcp (redis-cli need not be installed); in a subshell, so a refused connection is quiet
ping_redis() {
  exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
  printf 'PING\r\n' >&3
  read -r -t 2 reply <&3 && [ "${reply%$'\r'}" = "+PONG" ]
}
ready=false
for _ in $(seq 1 100); do
  if (ping_redis) 2>/dev/null; then
    ready=true
    break
  fi
  sleep 0.1
done
if ! $ready; then
  echo "run-reactive.sh: $server did not answer PING on port $port:" >&2
  cat "$redis_log" >&2
  exit 1
fi
echo "redis-server $("$server" --version | sed -n 's/.*v=\([0-9.]*\).*/\1/p') on 127.0.0.1:$port"

HTTP_REDIS_URI="redis://127.0.0.1:$port" HTTP_REDIS_PID="$redis_pid" bash "$here/run-http.sh" "$cp" "$out" "${runs[@]}"

results="$(mktemp -d)"
cp "$out" "$results/http-reactive.tsv"
java -cp "$cp" io.limiter.bench.BenchmarkReport --p5r "$results"
rm -rf "$results"
