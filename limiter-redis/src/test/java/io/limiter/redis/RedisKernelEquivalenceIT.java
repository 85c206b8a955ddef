package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import io.limiter.test.ManualTicker;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Redis scripts decide like the in-memory kernels: random request sequences (costs, keys, time steps that are
 * not whole microseconds, the clock going backwards for the window algorithms) run against both stores, and every
 * decision must match. The
 * Redis store decides at the test clock floored to microseconds, so the in-memory store runs at that floored clock;
 * outcome, deciding limit and remaining must be equal, and every duration must be the in-memory one rounded up to
 * the next whole microsecond, counted from the unfloored clock.
 */
class RedisKernelEquivalenceIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  /**
   * A Thursday 00:00 UTC plus a fraction of a second. Redis aligns windows to the epoch; a local store to the UTC day
   * of its first reading. Starting at a multiple of a week (and of every window used here) makes the two agree.
   */
  private static final long START = 1_699_488_000L * 1_000_000_000L + 123_456_789L;

  static Stream<Arguments> policies() {
    List<Arguments> cases = new ArrayList<>();
    String[] windowSpecs = {"7/minute", "3 per 10 seconds", "10/second; 25/minute", "1000000000/second",
        "13/7 seconds; 40/minute; 100/hour", "1/day", "2147483647/hour"};
    for (Algorithm algorithm : java.util.EnumSet.range(Algorithm.TOKEN_BUCKET, Algorithm.MOVING_WINDOW)) {
      for (String spec : windowSpecs) {
        LimitSpec parsed = LimitSpec.parse(spec);
        if (algorithm == Algorithm.MOVING_WINDOW && parsed.limits().stream()
            .anyMatch(l -> l.permits() > Algorithm.MOVING_WINDOW_MAX_PERMITS)) {
          continue; // beyond the log a moving window keeps: its largest is a case of its own below
        }
        cases.add(Arguments.of(algorithm, spec, START));
      }
      cases.add(Arguments.of(algorithm, "5/second", 0L)); // an origin at 0, and below it when the clock goes back
    }
    cases.add(Arguments.of(Algorithm.MOVING_WINDOW, Algorithm.MOVING_WINDOW_MAX_PERMITS + "/minute", START));
    cases.add(Arguments.of(Algorithm.MOVING_WINDOW, "1000/second; 10000/hour", START));
    cases.add(Arguments.of(Algorithm.CONCURRENCY, "7 concurrent lease 10 seconds", START));
    cases.add(Arguments.of(Algorithm.CONCURRENCY, "3 concurrent", 0L));
    cases.add(Arguments.of(Algorithm.TOKEN_BUCKET, "100/minute burst 7", START));
    cases.add(Arguments.of(Algorithm.TOKEN_BUCKET, "3/second burst 20; 50/hour burst 60", START));
    cases.add(Arguments.of(Algorithm.TOKEN_BUCKET, "1/1000 days burst 50", START));
    return cases.stream();
  }

  /**
   * Token buckets that warm up (WarmGcraKernel in memory, warm.lua on Redis): alone, beside limits that do not, at
   * the fastest rate that may warm up (one permit per 10 µs), with bursts; reservations settled too.
   */
  static Stream<Arguments> warmUpPolicies() {
    return Stream.of("10/second burst 1 warmup 2s", "100/minute burst 7 warmup 30s; 1000/hour",
            "3/second burst 20 warmup 5s; 50/hour burst 60 warmup 10m", "100000/second warmup 1s",
            "7/minute warmup 1h")
        .map(spec -> Arguments.of(Algorithm.TOKEN_BUCKET, spec, START));
  }

  @ParameterizedTest(name = "{0} {1} from {2}")
  @MethodSource("policies")
  void scriptsDecideLikeTheInMemoryKernels(Algorithm algorithm, String spec, long origin) {
    decideAlike(algorithm, spec, origin, algorithm == Algorithm.MOVING_WINDOW || algorithm == Algorithm.CONCURRENCY);
  }

  @ParameterizedTest(name = "{0} {1} from {2}")
  @MethodSource("warmUpPolicies")
  void warmUpScriptsDecideLikeTheInMemoryKernel(Algorithm algorithm, String spec, long origin) {
    decideAlike(algorithm, spec, origin, true);
  }

  /**
   * @param settles whether reservations are taken and settled later: for the log's algorithms and warm-ups, whose
   *     settlement is a script of their own
   */
  private void decideAlike(Algorithm algorithm, String spec, long origin, boolean settles) {
    LimitPolicy policy = LimitPolicy.builder("equivalence-" + algorithm + "-" + spec.hashCode() + "-" + origin)
        .limits(spec).algorithm(algorithm).build();
    ManualTicker redisClock = new ManualTicker(origin);
    ManualTicker localClock = new ManualTicker(Math.floorDiv(origin, 1000) * 1000);
    long capacity = policy.limits().stream().mapToLong(Limit::burst).min().orElseThrow();
    long shortest = policy.limits().stream().mapToLong(Limit::periodNanos).min().orElseThrow();
    Random random = new Random(spec.hashCode() * 31L + algorithm.ordinal());
    try (RateLimitStore redis = RedisRateLimitStore.builder().uri(REDIS.uri()).testTicker(redisClock)
        .commandTimeout(java.time.Duration.ofSeconds(30)).connectTimeout(java.time.Duration.ofSeconds(30)).build();
        RateLimitStore local = RateLimitStore.builder().ticker(localClock).executor(Runnable::run).buildInMemory()) {
      List<Reservation[]> open = new ArrayList<>();
      for (int step = 0; step < 250; step++) {
        long advance;
        int kind = random.nextInt(20);
        if (kind == 0 && algorithm != Algorithm.TOKEN_BUCKET) {
          // backwards, up to a second. Not for token buckets: a debt beyond the burst (which a clock gone back
          // shows) is clamped to the burst by the state-identity rule, which RedisPolicyChangeIT checks
          advance = -random.nextInt(1_000_000_000);
        } else if (kind < 4) {
          advance = 0;
        } else if (kind < 8) {
          advance = random.nextInt(5_000); // a few microseconds, not aligned
        } else {
          advance = (long) (random.nextDouble() * shortest / Math.max(1, Math.min(capacity, 50)));
        }
        redisClock.advanceNanos(advance);
        localClock.set(Math.floorDiv(redisClock.read(), 1000) * 1000);
        long offset = redisClock.read() - localClock.read();
        long permits = random.nextInt(8) == 0 ? 1 + (long) (random.nextDouble() * (capacity + 1))
            : 1 + random.nextInt((int) Math.min(3, capacity));
        String key = random.nextInt(4) == 0 ? "b" : "a";
        if (!open.isEmpty() && random.nextInt(5) == 0) {
          // settle an open reservation on both stores to the same actual cost: refund, part, or more
          int i = random.nextInt(open.size());
          Reservation[] pair = open.remove(i);
          long actual = random.nextInt((int) pair[0].permits() + 3);
          pair[0].settle(actual);
          pair[1].settle(actual);
          continue;
        }
        Decision expected;
        Decision actual;
        if (settles && random.nextBoolean()) {
          Reservation l = local.keySpace(policy).reserve(key, permits);
          Reservation r = redis.keySpace(policy).reserve(key, permits);
          expected = l.decision();
          actual = r.decision();
          if (expected.allowed() && actual.allowed()) {
            open.add(new Reservation[] {l, r});
          }
        } else {
          expected = local.acquire(key, policy, permits);
          actual = redis.acquire(key, policy, permits);
        }
        String context = "step " + step + ", " + permits + " permits for " + key + " at +" + (redisClock.read()
            - origin) + " ns\nexpected (in-memory) " + expected + "\nactual (Redis)      " + actual;
        assertThat(actual.outcome()).as(context).isEqualTo(expected.outcome());
        assertThat(actual.limitIndex()).as(context).isEqualTo(expected.limitIndex());
        assertThat(actual.remaining()).as(context).isEqualTo(expected.remaining());
        assertThat(actual.retryAfterNanos()).as("retry-after, " + context)
            .isEqualTo(expected.retryAfterNanos() == Decision.NEVER ? Decision.NEVER
                : expected.rejected() ? up(expected.retryAfterNanos(), offset) : 0);
        assertThat(actual.resetAfterNanos()).as("reset, " + context).isEqualTo(up(expected.resetAfterNanos(), offset));
        assertThat(actual.refillAfterNanos()).as("refill, " + context)
            .isEqualTo(up(expected.refillAfterNanos(), offset));
        List<Decision.LimitState> expectedStates = expected.limitStates();
        List<Decision.LimitState> actualStates = actual.limitStates();
        for (int i = 0; i < expectedStates.size(); i++) {
          assertThat(actualStates.get(i).remaining()).as("remaining of limit " + i + ", " + context)
              .isEqualTo(expectedStates.get(i).remaining());
          assertThat(actualStates.get(i).resetAfterNanos()).as("reset of limit " + i + ", " + context)
              .isEqualTo(up(expectedStates.get(i).resetAfterNanos(), offset));
          assertThat(actualStates.get(i).refillAfterNanos()).as("refill of limit " + i + ", " + context)
              .isEqualTo(up(expectedStates.get(i).refillAfterNanos(), offset));
        }
      }
    }
  }

  /** A duration from the floored clock, rounded up to whole microseconds and counted from the unfloored clock. */
  private static long up(long nanos, long offset) {
    if (nanos <= 0) {
      return 0;
    }
    return (nanos + 999) / 1000 * 1000 - offset;
  }
}
