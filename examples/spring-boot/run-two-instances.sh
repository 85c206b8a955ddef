#!/usr/bin/env bash
# Runs the Spring Boot example as two instances on two ports that share their rate limits through one Redis.
#
#   examples/spring-boot/run-two-instances.sh
#
# Uses the Redis answering on 127.0.0.1:$REDIS_PORT (default 6379), or starts a private redis-server there (stopped
# again on exit); builds the example (skip with SKIP_BUILD=1); starts it with the "redis" profile on $PORT_A and
# $PORT_B (default 8081 and 8082); prints how to poke both; Ctrl-C stops everything the script started.
# Needs JDK 17+, Maven, curl, and redis-server on the PATH unless a Redis is already running.
set -euo pipefail
cd "$(dirname "$0")/../.."

PORT_A=${PORT_A:-8081}
PORT_B=${PORT_B:-8082}
REDIS_PORT=${REDIS_PORT:-6379}
JAR=examples/spring-boot/target/limiter-example-spring-boot-0.1.0-SNAPSHOT-exec.jar
WORK=examples/spring-boot/target/two-instances

apps=()
redis_pid=
stopping=

stop_all() {
  [[ -n $stopping ]] && return
  stopping=1
  trap - INT TERM EXIT
  trap '' PIPE # a closed terminal or pipe must not stop the clean-up half-way
  set +eu
  for pid in "${apps[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${apps[@]}"; do wait "$pid" 2>/dev/null; done
  if [[ -n $redis_pid ]]; then
    kill "$redis_pid" 2>/dev/null
    wait "$redis_pid" 2>/dev/null
  fi
  {
    echo
    [[ ${#apps[@]} -gt 0 ]] && echo "Stopped both instances."
    [[ -n $redis_pid ]] && echo "Stopped the private redis-server on 127.0.0.1:$REDIS_PORT."
  } 2>/dev/null
}
trap stop_all INT TERM EXIT

# PING over bash's /dev/tcp: no redis-cli needed.
redis_answers() {
  (exec 3<>"/dev/tcp/127.0.0.1/$REDIS_PORT" && printf 'PING\r\n' >&3 && read -r -t 1 reply <&3 \
    && [[ $reply == +PONG* ]]) 2>/dev/null
}

mkdir -p "$WORK"
if redis_answers; then
  echo "Using the Redis already running on 127.0.0.1:$REDIS_PORT."
else
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "No Redis answers on 127.0.0.1:$REDIS_PORT and redis-server is not on the PATH." >&2
    echo "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis)," >&2
    echo "or start a Redis and run this again (REDIS_PORT=<port> if it is not on 6379)." >&2
    exit 1
  fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK" \
    >"$WORK/redis.log" 2>&1 &
  redis_pid=$!
  for _ in $(seq 50); do
    redis_answers && break
    if ! kill -0 "$redis_pid" 2>/dev/null; then
      echo "redis-server could not start on 127.0.0.1:$REDIS_PORT (port taken?):" >&2
      tail -5 "$WORK/redis.log" >&2
      redis_pid=
      exit 1
    fi
    sleep 0.1
  done
  echo "Started a private redis-server on 127.0.0.1:$REDIS_PORT (pid $redis_pid, log $WORK/redis.log)."
fi

if [[ ${SKIP_BUILD:-} != 1 || ! -f $JAR ]]; then
  echo "Building the example (mvn -q -B -pl examples/spring-boot -am package -DskipTests)..."
  mvn -q -B -pl examples/spring-boot -am package -DskipTests
fi

for port in "$PORT_A" "$PORT_B"; do
  java -jar "$JAR" --spring.profiles.active=redis --server.port="$port" --spring.data.redis.port="$REDIS_PORT" \
    >"$WORK/instance-$port.log" 2>&1 &
  apps+=($!)
done

for i in 0 1; do
  port=$([[ $i == 0 ]] && echo "$PORT_A" || echo "$PORT_B")
  for _ in $(seq 120); do
    curl -sf -o /dev/null "http://localhost:$port/actuator/health" && break
    if ! kill -0 "${apps[$i]}" 2>/dev/null; then
      echo "The instance on port $port exited; the end of $WORK/instance-$port.log:" >&2
      tail -20 "$WORK/instance-$port.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  curl -sf -o /dev/null "http://localhost:$port/actuator/health" \
    || { echo "The instance on port $port did not start within 60 s; see $WORK/instance-$port.log" >&2; exit 1; }
done

cat <<EOF

Two instances of the Limiter example share their limits through Redis on 127.0.0.1:$REDIS_PORT:
  A  http://localhost:$PORT_A   (log $WORK/instance-$PORT_A.log)
  B  http://localhost:$PORT_B   (log $WORK/instance-$PORT_B.log)

/api/hello allows 5 calls a minute per client IP in total, whichever instance serves them:
  for i in 1 2 3 4; do for p in $PORT_A $PORT_B; do
    curl -s -o /dev/null -w "port \$p: %{http_code}\n" http://localhost:\$p/api/hello; done; done
  -> 200 five times, then 429 on both instances.

Also:
  curl -i -H 'X-API-Key: demo' http://localhost:$PORT_A/api/orders    (10/minute; 100/hour per key)
  curl -i http://localhost:$PORT_B/api/export                          (2/minute per IP, fails closed)
  curl http://localhost:$PORT_A/actuator/ratelimits                    (policies and the store)
  curl http://localhost:$PORT_A/actuator/metrics/limiter.redis.decisions
EOF
if [[ -n $redis_pid ]]; then
  cat <<EOF

Redis down: kill -STOP $redis_pid freezes the private redis-server (kill -CONT $redis_pid resumes it). Meanwhile
/api/hello is admitted (fail-open, counted in /actuator/metrics/limiter.redis.degraded and limiter.store.errors)
and /api/export answers 503 with Retry-After (fail-closed); both instances go back to Redis by themselves.
EOF
fi
echo
echo "Press Ctrl-C to stop everything this script started."

# Until Ctrl-C, or until an instance exits; the trap then stops the rest.
while kill -0 "${apps[0]}" 2>/dev/null && kill -0 "${apps[1]}" 2>/dev/null; do
  sleep 1
done
