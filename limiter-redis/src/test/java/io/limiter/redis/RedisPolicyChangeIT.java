package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Policies change under live keys as an operator changes them: periods, counts, the order of the limits, bursts,
 * the algorithm, cost and shadow mode, at random, while three clients keep sending requests (and the clock now and
 * then goes back). Every decision of the
 * Redis store must equal the decision of {@link ShapeRuleModel}, the state-identity rule on the in-memory kernels,
 * given the same history: carried over and clamped under the same shape, empty under another.
 */
class RedisPolicyChangeIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  /** A Thursday 00:00 UTC: windows of the test clock and of the epoch line up. */
  private static final long START = 1_699_488_000L * 1_000_000_000L;
  private static final Duration[] PERIODS = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(10),
      Duration.ofMinutes(1), Duration.ofHours(1)};

  @ParameterizedTest(name = "seed {0}")
  @ValueSource(longs = {1, 2, 3, 4})
  void everyDecisionFollowsTheStateIdentityRule(long seed) {
    Random random = new Random(seed);
    String name = "change-" + seed + "-" + System.nanoTime();
    ManualTicker clock = new ManualTicker(START);
    ShapeRuleModel model = new ShapeRuleModel();
    LimitPolicy policy = randomPolicy(random, name, null);
    int changes = 0;
    try (RedisRateLimitStore redis = RedisRateLimitStore.builder().uri(REDIS.uri()).testTicker(clock)
        // exactness is tested here, not latency
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30))
        .build()) {
      for (int step = 0; step < 700; step++) {
        if (random.nextInt(8) == 0) {
          policy = randomPolicy(random, name, policy);
          changes++;
        }
        long shortest = policy.limits().stream().mapToLong(Limit::periodNanos).min().orElseThrow();
        int kind = random.nextInt(20);
        long advanceMicros = kind < 5 ? 0 : kind < 17 ? (long) (random.nextDouble() * shortest / 8_000)
            : kind < 19 ? (long) (random.nextDouble() * 3 * shortest / 1000)
            : -random.nextInt(2_000_000); // the clock goes back up to 2 s: never a refill, never beyond the limit
        clock.advanceNanos(advanceMicros * 1000);
        long capacity = policy.limits().stream().mapToLong(Limit::burst).min().orElseThrow();
        long permits = random.nextInt(12) == 0 ? 1 + random.nextInt((int) Math.min(capacity + 2, 1000))
            : 1 + random.nextInt(2);
        String key = "client-" + random.nextInt(3);
        ShapeRuleModel.Expected expected = model.acquire(key, policy, permits, clock.read());
        Decision actual = redis.keySpace(policy).acquire(key, permits);
        String context = "seed " + seed + ", step " + step + " (" + changes + " policy changes), " + permits
            + " permits for " + key + " under " + policy + "\nexpected " + expected.allowed() + " by limit "
            + expected.limitIndex() + ", remaining " + java.util.Arrays.toString(expected.remaining()) + ", wait "
            + expected.retryAfterNanos() + "\nactual   " + actual;
        assertThat(actual.allowed()).as(context)
            .isEqualTo(expected.allowed());
        assertThat(actual.degraded()).as(context).isFalse();
        assertThat(actual.limitIndex()).as(context).isEqualTo(expected.limitIndex());
        for (int i = 0; i < policy.limits().size(); i++) {
          assertThat(actual.limitStates().get(i).remaining()).as("remaining of limit " + i + ", " + context)
              .isEqualTo(expected.remaining()[i]);
        }
        long wait = expected.retryAfterNanos();
        assertThat(actual.retryAfterNanos()).as("retry-after, " + context)
            .isEqualTo(wait == Decision.NEVER ? Decision.NEVER : expected.allowed() ? 0 : Math.max(1000, up(wait)));
      }
    }
    assertThat(changes).isGreaterThan(50);
  }

  /**
   * The redeployments on the server's clock: a key written under another shape never keeps its expiry (it is
   * replaced or deleted), so no key outlives what the policy that wrote it needs; no wait beyond the deciding
   * policy's own worst case; no lockout.
   */
  @org.junit.jupiter.api.Test
  void redeploymentsNeverLockOutNorOutliveThePolicy() {
    String name = "redeploy-" + System.nanoTime();
    try (RedisRateLimitStore redis = RedisRateLimitStore.builder().uri(REDIS.uri())
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build()) {
      // fixed window 5/second redeployed as 300/minute: another shape, a fresh window
      LimitPolicy fast = fixed(name, "5/second");
      for (int i = 0; i < 6; i++) {
        redis.acquire("a", fast, 1);
      }
      Decision d = redis.acquire("a", fixed(name, "300/minute"), 1);
      assertThat(d.allowed()).as("%s", d).isTrue();
      assertThat(d.resetAfter()).isLessThanOrEqualTo(Duration.ofMinutes(1));
      assertThat(pttl(redis, name, "a")).isLessThanOrEqualTo(Duration.ofMinutes(1).plusSeconds(1));

      // re-ordered limits are the same shape: the count carries over; then a changed period starts afresh
      LimitPolicy hourly = fixed(name, "3/hour; 100/day");
      for (int i = 0; i < 3; i++) {
        assertThat(redis.acquire("b", hourly, 1).allowed()).isTrue();
      }
      d = redis.acquire("b", fixed(name, "100/day; 3/hour"), 1);
      assertThat(d.rejected()).as("%s", d).isTrue();
      assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofHours(1));
      d = redis.acquire("b", fixed(name, "3/minute; 100/day"), 1);
      assertThat(d.allowed()).as("%s", d).isTrue();
      assertThat(pttl(redis, name, "b")).isLessThanOrEqualTo(Duration.ofDays(1).plusSeconds(1));

      // a token bucket's burst shrinks: the debt reads as at most the new burst, never a longer wait
      LimitPolicy bursty = LimitPolicy.builder(name).limits("10/hour burst 100").build();
      assertThat(redis.acquire("c", bursty, 100).allowed()).isTrue();
      assertThat(pttl(redis, name, "c")).isGreaterThan(Duration.ofHours(9));
      d = redis.acquire("c", LimitPolicy.of(name, "10/hour"), 1);
      assertThat(d.rejected()).as("%s", d).isTrue();
      assertThat(d.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(6));
      assertThat(d.resetAfter()).isLessThanOrEqualTo(Duration.ofHours(1));

      // a rejection under another shape drops the foreign state instead of keeping its day-long expiry
      assertThat(redis.acquire("d", LimitPolicy.of(name, "1/day"), 1).allowed()).isTrue();
      d = redis.acquire("d", fixed(name, "1/second"), 2);
      assertThat(d.rejected()).isTrue();
      assertThat(d.retryAfterNanos()).isEqualTo(Decision.NEVER);
      assertThat(pttl(redis, name, "d")).isEqualTo(Duration.ofMillis(-2));
      assertThat(redis.acquire("d", LimitPolicy.builder(name).limits("5/second")
          .algorithm(Algorithm.SLIDING_WINDOW).build(), 1).allowed()).isTrue();
      assertThat(pttl(redis, name, "d")).isLessThanOrEqualTo(Duration.ofSeconds(3));
    }
  }

  private static LimitPolicy fixed(String name, String spec) {
    return LimitPolicy.builder(name).limits(spec).algorithm(Algorithm.FIXED_WINDOW).build();
  }

  private static Duration pttl(RedisRateLimitStore redis, String name, String key) {
    return Duration.ofMillis(REDIS.command(c -> c.pttl(redis.redisKey(name, key))));
  }

  /**
   * A policy like an operator's next version of {@code previous}: mostly the same shape with other counts, bursts,
   * order, cost or shadow mode; sometimes another period, another number of limits or another algorithm.
   */
  static LimitPolicy randomPolicy(Random random, String name, LimitPolicy previous) {
    Algorithm algorithm;
    List<Duration> periods = new ArrayList<>();
    if (previous != null && random.nextInt(5) < 3) {
      algorithm = previous.algorithm();
      previous.limits().forEach(l -> periods.add(l.period()));
    } else {
      algorithm = previous != null && random.nextBoolean() ? previous.algorithm()
          : Algorithm.values()[random.nextInt(Algorithm.CONCURRENCY.ordinal())]; // the rates: every one before it
      List<Duration> all = new ArrayList<>(List.of(PERIODS));
      Collections.shuffle(all, random);
      periods.addAll(all.subList(0, 1 + random.nextInt(3)));
    }
    Collections.shuffle(periods, random); // the order of the limits in the spec is not part of the shape
    List<Limit> limits = new ArrayList<>();
    long permits = 1 + random.nextInt(6);
    for (Duration period : periods) {
      long p = permits * (1 + random.nextInt(4)) * Math.max(1, period.toSeconds() / 10);
      limits.add(algorithm == Algorithm.TOKEN_BUCKET && random.nextInt(3) == 0
          ? Limit.of(p, period, 1 + random.nextInt((int) Math.min(3 * p, 200))) : Limit.of(p, period));
    }
    long capacity = limits.stream().mapToLong(Limit::burst).min().orElseThrow();
    return LimitPolicy.builder(name).limits(LimitSpec.of(limits)).algorithm(algorithm)
        .cost(random.nextInt(10) == 0 && capacity >= 2 ? 2 : 1).shadow(random.nextInt(10) == 0).build();
  }

  private static long up(long nanos) {
    return (nanos + 999) / 1000 * 1000;
  }
}
