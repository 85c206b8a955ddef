package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Sentinel failover against real processes: a primary, a replica and three sentinels ({@link SentinelGroup}, short
 * {@code down-after-milliseconds}), two store instances with a Sentinel URI deciding under a steady load from two
 * threads each, on 40 keys of a fail-closed policy that allows 75 per key (no refill during the test). Then the
 * primary is killed (SIGKILL), or Sentinel is asked for a planned failover ({@code SENTINEL FAILOVER}). Measured and
 * checked, on the same store instances (no restart):
 * <ul>
 *   <li>no decision takes longer than the command timeout (plus a scheduling margin);</li>
 *   <li>how long decisions follow the failure mode: the test waits (up to 45 s) until each store decided by Redis
 *       again, so that a store that never does fails as such, not as a slow one; then each must have done so at most
 *       1 s after Sentinel named the new primary, net of the stalls of the machine in between (so within down-after
 *       + failover + 1 s of a crash), and a planned failover makes no decision follow the failure mode;</li>
 *   <li>admissions above the limit (charges the old primary accepted that never reached the new one): at most what
 *       Redis admitted in 200 ms at its rate before the event (measured: a handful).</li>
 * </ul>
 * The measured numbers are printed (docs/redis.md, "Running in production", quotes them).
 */
class RedisSentinelFailoverIT {

  private static final long DOWN_AFTER_MILLIS = 1000;
  /** Also the least time between two failover attempts (twice this), should the sentinels' first election fail. */
  private static final long FAILOVER_TIMEOUT_MILLIS = 2000;
  /** The command timeout when a crash is tested: calls to the dead primary must not hang past it. */
  private static final Duration TIMEOUT = Duration.ofMillis(250);
  /**
   * The command timeout of the planned failover: long enough that a stall of the busy test machine (seen: over a
   * second) cannot time a call out, so that every degraded decision there would be the switch's.
   */
  private static final Duration PLANNED_TIMEOUT = Duration.ofSeconds(5);
  /** Scheduling on a shared 2-core machine; the bound is about a hanging decision, not about speed. */
  private static final Duration MARGIN = Duration.ofMillis(1000);
  private static final int KEYS = 40;
  private static final int LIMIT = 75;
  private static final int THREADS_PER_STORE = 2;

  /** One decision as the load saw it. */
  private record Sample(int store, int key, long startNanos, long endNanos, boolean allowed, boolean degraded) {
  }

  /** What a run measured. */
  private record Result(String scenario, long eventNanos, long switchNanos, List<Sample> samples, long[] degraded,
      long[] failureModeMillis, long[] afterSwitchMillis, long[] stallsAfterSwitchMillis, long maxDecisionMillis,
      long maxStallMillis, long maxDecisionBeyondStallMillis, long overAdmission, long admissionsPerSecond) {

    /** The bound on admissions above the limit: what Redis admitted in 200 ms at its rate before the event. */
    long bound() {
      return admissionsPerSecond / 5;
    }

    /** How late store {@code s} decided by Redis again after the switch, net of the machine's stalls meanwhile. */
    long afterSwitchBeyondStallsMillis(int s) {
      return afterSwitchMillis[s] - stallsAfterSwitchMillis[s];
    }

    @Override
    public String toString() {
      return String.format("%s: new primary named by Sentinel %d ms after the event; %d decisions; per store: "
              + "degraded decisions %d / %d, in the failure mode for %d / %d ms, decided by Redis again %d / %d ms "
              + "after Sentinel named the new primary (stalls of the machine in between %d / %d ms); slowest "
              + "decision %d ms (longest stall of a sleeping test thread %d ms, slowest decision beyond a stall "
              + "%d ms); admissions above the limit %d (bound: %d, 200 ms at the %d Redis admissions per second "
              + "before the event)", scenario,
          TimeUnit.NANOSECONDS.toMillis(switchNanos - eventNanos), samples.size(), degraded[0], degraded[1],
          failureModeMillis[0], failureModeMillis[1], afterSwitchMillis[0], afterSwitchMillis[1],
          stallsAfterSwitchMillis[0], stallsAfterSwitchMillis[1], maxDecisionMillis, maxStallMillis,
          maxDecisionBeyondStallMillis, overAdmission, bound(), admissionsPerSecond);
    }
  }

  /**
   * How late a thread that sleeps 5 ms at a time wakes up: the machine's scheduling stalls (a shared 2-core machine
   * may stop every thread of the JVM for a second). A decision is charged only with the time beyond the stalls that
   * overlapped it, so that a busy machine does not look like a hanging call.
   */
  private static final class StallMeter implements AutoCloseable {
    private final ConcurrentLinkedQueue<long[]> stalls = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread = new Thread(this::run, "stall-meter");

    StallMeter() {
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      while (running.get()) {
        long before = System.nanoTime();
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          return;
        }
        long after = System.nanoTime();
        long late = after - before - TimeUnit.MILLISECONDS.toNanos(5);
        if (late > TimeUnit.MILLISECONDS.toNanos(20)) {
          stalls.add(new long[] {before, after, late});
        }
      }
    }

    long longest() {
      return stalls.stream().mapToLong(x -> x[2]).max().orElse(0);
    }

    /** The summed stalls within {@code [start, end]}: of a stall reaching beyond it, only the part inside counts. */
    long sum(long start, long end) {
      return stalls.stream().filter(x -> x[0] <= end && x[1] >= start)
          .mapToLong(x -> Math.min(x[2], Math.min(end, x[1]) - Math.max(start, x[0]))).sum();
    }

    /** The longest stall that overlapped {@code [start, end]}. */
    long during(long start, long end) {
      return stalls.stream().filter(x -> x[0] <= end && x[1] >= start).mapToLong(x -> x[2]).max().orElse(0);
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(5000);
    }
  }

  @Test
  void aKilledPrimaryIsReplacedWithoutARestartAndWithBoundedOverAdmission() throws Exception {
    Result result = run("kill", TIMEOUT, group -> group.primary().kill());
    System.out.println("[sentinel failover] " + result);
    assertThat(result.maxDecisionBeyondStallMillis()).as("slowest decision beyond machine stalls (ms)")
        .isLessThanOrEqualTo(TIMEOUT.plus(MARGIN).toMillis());
    for (int store = 0; store < 2; store++) {
      assertThat(result.degraded()[store]).as("store %d followed its failure mode while the primary was down", store)
          .isPositive();
      assertThat(result.afterSwitchBeyondStallsMillis(store)).as("store %d: ms after the switch until Redis decides "
          + "again, net of the machine's stalls meanwhile (%d ms)", store, result.stallsAfterSwitchMillis()[store])
          .isLessThanOrEqualTo(1000);
    }
    assertThat(result.overAdmission()).as("admissions above the limit").isLessThanOrEqualTo(result.bound());
  }

  @Test
  void aPlannedFailoverMakesNoDecisionFollowTheFailureMode() throws Exception {
    Result result = run("SENTINEL FAILOVER", PLANNED_TIMEOUT, group -> assertThat(group.failover()).isEqualTo("OK"));
    System.out.println("[sentinel failover] " + result);
    assertThat(result.maxDecisionBeyondStallMillis()).as("slowest decision beyond machine stalls (ms)")
        .isLessThanOrEqualTo(PLANNED_TIMEOUT.plus(MARGIN).toMillis());
    assertThat(result.degraded()).as("decisions that followed the failure mode, per store").containsOnly(0L);
    assertThat(result.overAdmission()).as("admissions above the limit").isLessThanOrEqualTo(result.bound());
  }

  private interface Event {
    void happen(SentinelGroup group) throws Exception;
  }

  private Result run(String scenario, Duration timeout, Event event) throws Exception {
    try (SentinelGroup group = SentinelGroup.start(DOWN_AFTER_MILLIS, FAILOVER_TIMEOUT_MILLIS);
        StallMeter stalls = new StallMeter()) {
      LimitPolicy policy = LimitPolicy.builder("failover").limits(LIMIT + "/3650 days")
          .algorithm(Algorithm.FIXED_WINDOW).failureMode(FailureMode.FAIL_CLOSED).build();
      List<RedisRateLimitStore> stores = new ArrayList<>();
      List<Thread> threads = new ArrayList<>();
      AtomicBoolean running = new AtomicBoolean(true);
      ConcurrentLinkedQueue<Sample> samples = new ConcurrentLinkedQueue<>();
      ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
      try {
        for (int s = 0; s < 2; s++) {
          RedisRateLimitStore store = RedisRateLimitStore.builder().uri(group.uri()).commandTimeout(timeout)
              .connectTimeout(Duration.ofSeconds(5)).build();
          stores.add(store);
          RateLimiter limiter = RateLimiter.of(policy, store);
          SentinelGroup.await("store " + s + " deciding on Redis", 30,
              () -> !limiter.acquire("warm-up").degraded());
          int storeIndex = s;
          for (int t = 0; t < THREADS_PER_STORE; t++) {
            Thread thread = new Thread(() -> {
              try {
                while (running.get()) {
                  int key = ThreadLocalRandom.current().nextInt(KEYS);
                  long start = System.nanoTime();
                  Decision d = limiter.acquire("k" + key);
                  samples.add(new Sample(storeIndex, key, start, System.nanoTime(), d.allowed(), d.degraded()));
                  Thread.sleep(3);
                }
              } catch (Throwable e) {
                errors.add(e);
              }
            }, "failover-load-" + s + "-" + t);
            threads.add(thread);
          }
        }
        threads.forEach(Thread::start);
        RedisServer.sleep(1500);
        int replicaPort = group.replica().port();
        long eventNanos = System.nanoTime();
        event.happen(group);
        SentinelGroup.await("Sentinel naming the replica as primary", 45,
            () -> group.reportedPrimaryPort() == replicaPort);
        long switchNanos = System.nanoTime();
        // each store must decide by Redis again: wait for it (bounded) so that "never" fails here, named, and "slow"
        // is left to the bound checked on the measured time
        for (int s = 0; s < 2; s++) {
          int storeIndex = s;
          SentinelGroup.await("store " + s + " deciding by Redis again after the " + scenario, 45,
              () -> samples.stream().anyMatch(x -> x.store() == storeIndex && x.startNanos() > eventNanos
                  && !x.degraded()));
        }
        // go on until every key was rejected by Redis after the switch (its count is then complete), at least 1.5 s
        SentinelGroup.await("every key exhausted on the new primary", 45, () -> {
          if (System.nanoTime() - switchNanos < TimeUnit.MILLISECONDS.toNanos(1500)) {
            return false;
          }
          boolean[] rejected = new boolean[KEYS];
          for (Sample x : samples) {
            if (x.startNanos() > switchNanos && !x.allowed() && !x.degraded()) {
              rejected[x.key()] = true;
            }
          }
          for (boolean r : rejected) {
            if (!r) {
              return false;
            }
          }
          return true;
        });
        running.set(false);
        for (Thread thread : threads) {
          thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        assertThat(errors).isEmpty();
        stores.forEach(st -> System.out.println("[sentinel failover] " + scenario + " " + st.stats()));
        return measure(scenario, timeout, eventNanos, switchNanos, new ArrayList<>(samples), stalls);
      } finally {
        running.set(false);
        stores.forEach(RedisRateLimitStore::close);
      }
    }
  }

  private static Result measure(String scenario, Duration timeout, long eventNanos, long switchNanos,
      List<Sample> samples, StallMeter stalls) {
    long[] degraded = new long[2];
    long[] firstDegraded = {Long.MAX_VALUE, Long.MAX_VALUE};
    long[] recovered = {Long.MAX_VALUE, Long.MAX_VALUE};
    long maxDecision = 0;
    long maxBeyondStall = 0;
    Map<Integer, Long> admitted = new HashMap<>();
    long admissionsBefore = 0;
    for (Sample x : samples) {
      long took = x.endNanos() - x.startNanos();
      maxDecision = Math.max(maxDecision, took);
      if (took > timeout.toNanos()) {
        maxBeyondStall = Math.max(maxBeyondStall, took - stalls.during(x.startNanos(), x.endNanos()));
      } else {
        maxBeyondStall = Math.max(maxBeyondStall, took);
      }
      if (x.degraded()) {
        degraded[x.store()]++;
        if (x.startNanos() >= eventNanos) {
          firstDegraded[x.store()] = Math.min(firstDegraded[x.store()], x.startNanos());
        }
      } else if (x.startNanos() > eventNanos) {
        // decided by Redis although it started after the event: for a crash, only the new primary can have
        recovered[x.store()] = Math.min(recovered[x.store()], x.endNanos());
      }
      if (!x.degraded() && x.allowed()) {
        admitted.merge(x.key(), 1L, Long::sum);
        if (x.endNanos() <= eventNanos) {
          admissionsBefore++;
        }
      }
    }
    long[] failureMode = new long[2];
    long[] afterSwitch = new long[2];
    long[] stallsAfterSwitch = new long[2];
    for (int s = 0; s < 2; s++) {
      boolean failed = firstDegraded[s] != Long.MAX_VALUE;
      failureMode[s] = failed ? TimeUnit.NANOSECONDS.toMillis(recovered[s] - firstDegraded[s]) : 0;
      afterSwitch[s] = failed ? TimeUnit.NANOSECONDS.toMillis(recovered[s] - switchNanos) : 0;
      stallsAfterSwitch[s] = failed && recovered[s] > switchNanos
          ? TimeUnit.NANOSECONDS.toMillis(stalls.sum(switchNanos, recovered[s])) : 0;
    }
    long loadStart = samples.stream().mapToLong(Sample::startNanos).min().orElse(eventNanos);
    long perSecond = admissionsBefore * TimeUnit.SECONDS.toNanos(1) / Math.max(1, eventNanos - loadStart);
    long over = admitted.values().stream().mapToLong(n -> Math.max(0, n - LIMIT)).sum();
    return new Result(scenario, eventNanos, switchNanos, samples, degraded, failureMode, afterSwitch,
        stallsAfterSwitch, TimeUnit.NANOSECONDS.toMillis(maxDecision),
        TimeUnit.NANOSECONDS.toMillis(stalls.longest()), TimeUnit.NANOSECONDS.toMillis(maxBeyondStall), over,
        perSecond);
  }
}
