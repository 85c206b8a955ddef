#!/usr/bin/env bash
# P5-R, paired: the WebFlux endpoint with and without Limiter's WebFilter served by ONE JVM on two ports
# (io.limiter.bench.WebFilterPair), wrk taking turns between the ports in short slices (ABBA order: with, without,
# without, with, ...), so that both sides share the JIT's code, the heap and every slow moment of the machine. The
# ratio of each slice pair is with ÷ without; its mean over the slices, with a 95% confidence interval, is P5-R's
# WebFilter figure. run-reactive.sh measures the same endpoint in separate JVMs (its rows spread by ±20% between
# runs on two cores, which hides a 5% difference).
#
# Usage: bash limiter-bench/run-reactive-pair.sh <classpath> <out.tsv>
#   <classpath>: e.g. "$(cat limiter-bench/target/classpath.txt)" after bash limiter-bench/run.sh --classpath
# Environment: PAIR_SLICES (20 slice pairs), PAIR_SLICE (5s per side and slice), PAIR_WARMUP (40s in all, taken in
#   turns of 10 s per side), WRK_THREADS (2), WRK_CONNECTIONS (32).
# <out.tsv>: one row per side and slice: slice, side, requests per second, requests, the server JVM's CPU per request
#   in microseconds (user + system, /proc/PID/stat), and the one-minute load average after the slice.
# About 40 s + 2 x PAIR_SLICES x 5 s (4 minutes by default) after the server starts.
set -euo pipefail
cp="${1:?usage: bash limiter-bench/run-reactive-pair.sh <classpath> <out.tsv>}"
out="${2:?usage: bash limiter-bench/run-reactive-pair.sh <classpath> <out.tsv>}"
slices="${PAIR_SLICES:-20}"
slice="${PAIR_SLICE:-5s}"
warmup_seconds="${PAIR_WARMUP:-40s}"
warmup_seconds="${warmup_seconds%s}"
threads="${WRK_THREADS:-2}"
connections="${WRK_CONNECTIONS:-32}"
if ! command -v wrk >/dev/null 2>&1; then
  echo "run-reactive-pair.sh: wrk is not installed; install it with: apt-get install wrk" >&2
  exit 1
fi

log="$(mktemp)"
java -Xms512m -Xmx512m -cp "$cp" io.limiter.bench.WebFilterPair >"$log" 2>&1 &
server_pid=$!
stop_server() {
  kill "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  rm -f "$log"
}
trap stop_server EXIT
ports=""
for _ in $(seq 1 600); do
  ports="$(awk '/^PAIR / {print $2, $3}' "$log")"
  [ -n "$ports" ] && break
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "run-reactive-pair.sh: WebFilterPair did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$ports" ]; then
  echo "run-reactive-pair.sh: WebFilterPair did not report its ports within 60 s" >&2
  cat "$log" >&2
  exit 1
fi
read -r with_port without_port <<<"$ports"

# user + system CPU time of the server so far, in microseconds (see run-http.sh)
cpu_micros() {
  awk -v tck="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); printf "%.0f", ($12 + $13) * 1000000 / tck }' \
    "/proc/$server_pid/stat"
}
port_of() { if [ "$1" = with ]; then echo "$with_port"; else echo "$without_port"; fi; }

echo "WebFilterPair: with the filter on $with_port, without on $without_port; warming up ${warmup_seconds}s"
turn=$(( warmup_seconds / 4 ))
[ "$turn" -lt 1 ] && turn=1
for side in with without with without; do
  wrk -t"$threads" -c"$connections" -d"${turn}s" "http://127.0.0.1:$(port_of "$side")/hello" >/dev/null
done

printf 'slice\tside\trequests_per_second\trequests\tserver_cpu_us\tload1\n' > "$out"
for s in $(seq 1 "$slices"); do
  order=(with without)
  [ $(( s % 2 )) -eq 0 ] && order=(without with)
  for side in "${order[@]}"; do
    before="$(cpu_micros)"
    result="$(wrk -t"$threads" -c"$connections" -d"$slice" "http://127.0.0.1:$(port_of "$side")/hello")"
    after="$(cpu_micros)"
    rate="$(awk '/^Requests\/sec:/ {print $2}' <<<"$result")"
    requests="$(awk '/ requests in / {print $1}' <<<"$result")"
    non2xx="$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$result")"
    if [ -n "$non2xx" ]; then
      echo "run-reactive-pair.sh: $side answered $non2xx requests with an error status (the limit must never be reached)" >&2
      exit 1
    fi
    cpu="$(awk -v a="$before" -v b="$after" -v n="$requests" 'BEGIN { printf "%.1f", (b - a) / n }')"
    load1="$(cut -d' ' -f1 /proc/loadavg)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$s" "$side" "$rate" "$requests" "$cpu" "$load1" >> "$out"
  done
  echo "slice $s: $(awk -F'\t' -v s="$s" '$1 == s { printf "%s %s req/s %s us  ", $2, $3, $5 }' "$out")"
done

# the summary: per-slice ratios (with ÷ without, rate and CPU per request), mean, standard deviation, 95% interval
awk -F'\t' '
  NR > 1 { rate[$1, $2] = $3; cpu[$1, $2] = $5; if ($1 > n) n = $1; load[$1] = $6 }
  END {
    for (s = 1; s <= n; s++) {
      r = rate[s, "with"] / rate[s, "without"]; c = cpu[s, "with"] - cpu[s, "without"]
      sr += r; srr += r * r; sc += c; scc += c * c
      rw += rate[s, "with"]; rwo += rate[s, "without"]; cw += cpu[s, "with"]; cwo += cpu[s, "without"]
      if (load[s] < lmin || s == 1) lmin = load[s]; if (load[s] > lmax) lmax = load[s]
    }
    mr = sr / n; sdr = sqrt((srr - n * mr * mr) / (n - 1)); hr = 1.96 * sdr / sqrt(n)
    mc = sc / n; sdc = sqrt((scc - n * mc * mc) / (n - 1)); hc = 1.96 * sdc / sqrt(n)
    printf "\n| side | req/s (mean of %d slices) | CPU per request: server |\n|---|---:|---:|\n", n
    printf "| without the filter | %.0f | %.1f µs |\n", rwo / n, cwo / n
    printf "| with Limiter `WebFilter` | %.0f | %.1f µs |\n", rw / n, cw / n
    printf "\nwith ÷ without, per slice pair: %.3f ± %.3f× (sd), 95%% interval %.3f–%.3f×\n", mr, sdr, mr - hr, mr + hr
    printf "CPU per request, with − without: %+.1f ± %.1f µs (sd), 95%% interval %+.1f to %+.1f µs\n", mc, sdc, mc - hc, mc + hc
    printf "load average (1 min) after the slices: %.2f–%.2f\n", lmin, lmax
  }' "$out"
