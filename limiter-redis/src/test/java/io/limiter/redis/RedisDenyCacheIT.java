package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The local deny cache answers known rejections without Redis, and never decides differently from Redis. */
class RedisDenyCacheIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static final long START = 1_699_920_000L * 1_000_000_000L;

  private static RedisRateLimitStore store(ManualTicker ticker, int denyCache, String prefix) {
    return RedisRateLimitStore.builder().uri(REDIS.uri()).testTicker(ticker).localDenyCache(denyCache)
        .keyPrefix(prefix).commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void aConcurrencyRejectionIsNeverRememberedSinceAnotherInstanceMayReturnItsPermitAnyMoment() {
    ManualTicker ticker = new ManualTicker(START);
    try (RedisRateLimitStore a = store(ticker, 100, "deny-conc:"); RedisRateLimitStore b = store(ticker, 100,
        "deny-conc:")) {
      LimitPolicy policy = LimitPolicy.of("deny-conc", "1 concurrent");
      io.limiter.core.Reservation permit = a.keySpace(policy).reserve("client", 1);
      assertThat(permit.decision()).isAllowed();
      assertThat(b.keySpace(policy).acquire("client", 1)).isRejected();
      permit.refund(); // the call on instance a ended
      assertThat(b.keySpace(policy).reserve("client", 1).decision()).as("b asks Redis again").isAllowed();
      assertThat(b.stats().localDenials()).isZero();
    }
  }

  @Test
  void aKnownRejectionIsAnsweredLocallyUntilItsRetryTime() {
    ManualTicker ticker = new ManualTicker(START);
    try (RedisRateLimitStore store = store(ticker, 100, "deny:")) {
      LimitPolicy policy = LimitPolicy.of("deny", "5/minute");
      KeySpace space = store.keySpace(policy);
      for (int i = 0; i < 5; i++) {
        assertThat(space.acquire("client", 1)).isAllowed();
      }
      Decision rejected = space.acquire("client", 1);
      assertThat(rejected).isRejected().hasRetryAfter(Duration.ofSeconds(12));
      String state = REDIS.command(c -> c.get(store.redisKey("deny", "client")));
      long server = store.stats().serverDecisions();

      ticker.advance(Duration.ofSeconds(2));
      for (int i = 0; i < 10; i++) {
        assertThat(space.acquire("client", 1)).isRejected().hasRetryAfter(Duration.ofSeconds(10));
      }
      assertThat(store.stats().localDenials()).isEqualTo(10);
      assertThat(store.stats().serverDecisions()).isEqualTo(server);
      String stateAfter = REDIS.command(c -> c.get(store.redisKey("deny", "client")));
      assertThat(stateAfter).isEqualTo(state);

      // other limits (a step level, a tier) are decided by Redis
      assertThat(space.acquire("client", 1, policy.withLimits(LimitSpec.parse("100/minute")))).isAllowed();
      assertThat(store.stats().serverDecisions()).isEqualTo(server + 1);

      // another cost is decided by Redis too
      assertThat(space.acquire("client", 2)).isRejected();
      assertThat(store.stats().serverDecisions()).isEqualTo(server + 2);

      ticker.advance(Duration.ofSeconds(10)); // the retry time: Redis decides again
      assertThat(space.acquire("client", 1)).isRejected(); // the step-level request above charged 0.6 s more
      assertThat(store.stats().serverDecisions()).isEqualTo(server + 3);
      ticker.advance(Duration.ofSeconds(12));
      assertThat(space.acquire("client", 1)).isAllowed();
    }
  }

  @Test
  void aRejectionOfALargeCostDoesNotRejectSmallerOnes() {
    ManualTicker ticker = new ManualTicker(START);
    try (RedisRateLimitStore store = store(ticker, 100, "deny-cost:")) {
      KeySpace space = store.keySpace(LimitPolicy.of("deny-cost", "5/minute"));
      assertThat(space.acquire("client", 3)).isAllowed();
      assertThat(space.acquire("client", 3)).isRejected();
      assertThat(space.acquire("client", 2)).isAllowed();
      assertThat(store.stats().localDenials()).isZero();
    }
  }

  @ParameterizedTest
  @EnumSource(value = Algorithm.class, names = "CONCURRENCY", mode = EnumSource.Mode.EXCLUDE)
  void decisionsWithTheCacheEqualDecisionsWithout(Algorithm algorithm) {
    ManualTicker ticker = new ManualTicker(START + 777_000);
    LimitPolicy policy = LimitPolicy.builder("deny-equal-" + algorithm).limits("7/second; 30/minute")
        .algorithm(algorithm).build();
    try (RedisRateLimitStore cached = store(ticker, 1000, "cached:");
        RedisRateLimitStore plain = store(ticker, 0, "plain:")) {
      Random random = new Random(algorithm.ordinal());
      for (int step = 0; step < 400; step++) {
        ticker.advanceNanos(random.nextInt(4) == 0 ? random.nextInt(400_000_000) : random.nextInt(3_000_000));
        long permits = 1 + random.nextInt(random.nextInt(6) == 0 ? 8 : 2);
        String key = "k" + random.nextInt(3);
        Decision expected = plain.acquire(key, policy, permits);
        Decision actual = cached.acquire(key, policy, permits);
        assertThat(actual.outcome()).as("step %d: %s vs %s", step, actual, expected).isEqualTo(expected.outcome());
        assertThat(actual.retryAfterNanos()).as("step %d", step).isEqualTo(expected.retryAfterNanos());
      }
      assertThat(cached.stats().localDenials()).isPositive();
    }
  }
}
