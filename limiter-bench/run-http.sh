#!/usr/bin/env bash
# P5: HTTP throughput of one embedded Jetty servlet with no filter, with Limiter's filter and with a hand-written
# per-IP Bucket4j filter (and Spring MVC with and without @RateLimit), measured with wrk on loopback.
#
# Usage: limiter-bench/run-http.sh <classpath> <out.tsv> [variant[:load] ...]
#   variant: a key of HttpTarget.VARIANTS (or spring/spring-ratelimit when SpringTarget exists), or one of
#            ReactiveTarget.VARIANTS (webflux*, gateway*: P5-R, see run-reactive.sh, which also starts their Redis);
#   load:    open (every request to /hello, the default) or half (every second request to the exhausted /limited).
# Environment: HTTP_ROUNDS (3), HTTP_REPEATS (1), HTTP_DURATION (10s), HTTP_WARMUP (5s), HTTP_SPRING_WARMUP (20s),
#   HTTP_REACTIVE_WARMUP (40s, the webflux* and gateway* variants),
#   WRK_THREADS (2), WRK_CONNECTIONS (32), HTTP_REDIS_URI (the Redis of the gateway variants), HTTP_REDIS_PID (its
#   process, whose CPU time is then measured too).
# Each row of <out.tsv> ends with the one-minute load average read right after that wrk run (load1) and the CPU time
# per request, in microseconds, of the server's JVM (server_cpu_us) and of the Redis process (redis_cpu_us, when
# HTTP_REDIS_PID is set) during that run: on a busy machine the CPU a request costs varies far less than the rate.
# The Spring Boot server needs the longer warm-up: under wrk it reaches its steady rate only after about 15-18 s
# (3k, 8k, 10k, 15k, 25k, 37k, 37k req/s in successive 3 s slices), the plain Jetty servlet within 5 s.
# Each round starts every variant's server afresh, in turn, and measures it HTTP_REPEATS times: the variants are
# interleaved, so a slow phase of the machine or one unlucky JIT compilation of one server JVM spreads over all of
# them instead of biasing one variant (with one JVM per variant, two runs of the suite disagreed by 10%).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cp="$1"
out="$2"
shift 2
runs=("$@")
if [ ${#runs[@]} -eq 0 ]; then
  runs=(bare:open limiter:open limiter:half bucket4j:open bucket4j:half spring:open spring-ratelimit:open)
fi
duration="${HTTP_DURATION:-10s}"
rounds="${HTTP_ROUNDS:-3}"
repeats="${HTTP_REPEATS:-1}"
warmup="${HTTP_WARMUP:-5s}"
spring_warmup="${HTTP_SPRING_WARMUP:-20s}"
reactive_warmup="${HTTP_REACTIVE_WARMUP:-40s}"
threads="${WRK_THREADS:-2}"
connections="${WRK_CONNECTIONS:-32}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "run-http.sh: wrk is not installed; install it with: apt-get install wrk" >&2
  exit 1
fi

server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
trap stop_server EXIT

# user + system CPU time of a process so far, in microseconds (fields 14 and 15 of /proc/PID/stat, in clock ticks;
# the command name in field 2 may hold spaces, so count from the last parenthesis)
cpu_micros() {
  local pid="$1"
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo ""; return; }
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 1000000 / tck }' "/proc/$pid/stat"
}
per_request() { # <before µs> <after µs> <requests>
  [ -n "$1" ] && [ -n "$2" ] && [ "${3:-0}" -gt 0 ] && awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (b - a) / n }'
}

printf 'variant\tload\trun\trequests_per_second\tnon_2xx\trequests\tload1\tserver_cpu_us\tredis_cpu_us\n' > "$out"
for round in $(seq 1 "$rounds"); do
for run in "${runs[@]}"; do
  variant="${run%%:*}"
  load="open"
  [ "$variant" != "$run" ] && load="${run#*:}"
  main=io.limiter.bench.HttpTarget
  variant_warmup="$warmup"
  extra=()
  case "$variant" in
    spring*) main=io.limiter.bench.SpringTarget; variant_warmup="$spring_warmup" ;;
    # Spring Boot on Netty warms up longer: under wrk the C2 compiler still takes most of a core until 20-25 s with
    # Limiter's WebFilter (3 s less without it; 5 s slices: 2k, 5k, 8k, 19k, 25k req/s at load 12), so a 20 s warm-up
    # measured the filter's JIT compilation, not its requests (P5-R read 0.37 +- 0.31x)
    webflux*|gateway*) main=io.limiter.bench.ReactiveTarget; variant_warmup="$reactive_warmup"
      extra=("${HTTP_REDIS_URI:-}") ;;
  esac
  log="$(mktemp)"
  java -Xms512m -Xmx512m -cp "$cp" "$main" "$variant" 0 ${extra[@]+"${extra[@]}"} >"$log" 2>&1 &
  server_pid=$!
  port=""
  for _ in $(seq 1 600); do
    port="$(awk '/^LISTENING / {print $2}' "$log")"
    [ -n "$port" ] && break
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "run-http.sh: $main $variant did not start:" >&2
      cat "$log" >&2
      exit 1
    fi
    sleep 0.1
  done
  if [ -z "$port" ]; then
    echo "run-http.sh: $main $variant did not report its port within 60 s" >&2
    cat "$log" >&2
    exit 1
  fi
  script=()
  [ "$load" = "half" ] && script=(-s "$here/wrk/half.lua")
  path="$(awk '/^LISTENING / {print $3}' "$log")"
  url="http://127.0.0.1:$port${path:-/hello}"
  wrk -t"$threads" -c"$connections" -d"$variant_warmup" "${script[@]}" "$url" >/dev/null
  for i in $(seq 1 "$repeats"); do
    server_before="$(cpu_micros "$server_pid")"
    redis_before="$(cpu_micros "${HTTP_REDIS_PID:-}")"
    result="$(wrk -t"$threads" -c"$connections" -d"$duration" "${script[@]}" "$url")"
    server_after="$(cpu_micros "$server_pid")"
    redis_after="$(cpu_micros "${HTTP_REDIS_PID:-}")"
    rps="$(echo "$result" | awk '/^Requests\/sec:/ {print $2}')"
    non2xx="$(echo "$result" | awk '/Non-2xx or 3xx responses:/ {print $5}')"
    requests="$(echo "$result" | awk '/requests in/ {print $1}')"
    load1="$(cut -d' ' -f1 /proc/loadavg)"
    server_cpu="$(per_request "$server_before" "$server_after" "$requests" || true)"
    redis_cpu=""
    case "$variant" in gateway*) redis_cpu="$(per_request "$redis_before" "$redis_after" "$requests" || true)" ;; esac
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$variant" "$load" "$round.$i" "$rps" "${non2xx:-0}" "$requests" \
      "$load1" "$server_cpu" "$redis_cpu" >> "$out"
    echo "$variant ($load) round $round run $i: $rps req/s, non-2xx ${non2xx:-0} of $requests, load $load1," \
      "CPU per request: server ${server_cpu:-?} µs${redis_cpu:+, Redis $redis_cpu µs}"
  done
  stop_server
  rm -f "$log"
done
done
