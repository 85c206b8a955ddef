package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.core.Ticker;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Time comes from Redis: application nodes whose clocks disagree by hours decide exactly alike, and window edges
 * are the server's.
 */
class RedisClockIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static RedisRateLimitStore store(long skewNanos) {
    Ticker skewed = () -> Ticker.system().read() + skewNanos;
    return RedisRateLimitStore.builder().uri(REDIS.uri()).localTicker(skewed).localDenyCache(100)
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void applicationClockSkewHasNoEffect() {
    try (RedisRateLimitStore ahead = store(Duration.ofHours(1).toNanos());
        RedisRateLimitStore behind = store(-Duration.ofDays(1).toNanos())) {
      LimitPolicy policy = LimitPolicy.of("skew", "10/minute");
      RateLimiter a = RateLimiter.of(policy, ahead);
      RateLimiter b = RateLimiter.of(policy, behind);
      int admitted = 0;
      for (int i = 0; i < 30; i++) {
        if ((i % 2 == 0 ? a : b).acquire("client").allowed()) {
          admitted++;
        }
      }
      assertThat(admitted).isEqualTo(10);
      Decision fromAhead = a.acquire("client");
      Decision fromBehind = b.acquire("client");
      assertThat(fromAhead).isRejected();
      assertThat(fromBehind).isRejected();
      assertThat(fromAhead.retryAfter()).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(6));
      assertThat(Duration.ofNanos(Math.abs(fromAhead.retryAfterNanos() - fromBehind.retryAfterNanos())))
          .as("both nodes see the same wait").isLessThan(Duration.ofMillis(500));
    }
  }

  @Test
  void fixedWindowsEndOnTheServersSecondBoundaries() {
    try (RedisRateLimitStore store = store(Duration.ofMinutes(17).toNanos() + 123_456_789)) {
      RateLimiter limiter = RateLimiter.of(LimitPolicy.builder("edges").limits("5/second")
          .algorithm(Algorithm.FIXED_WINDOW).build(), store);
      for (int attempt = 0; attempt < 5; attempt++) {
        List<String> before = REDIS.command(c -> c.time());
        Decision d = limiter.acquire("client-" + attempt);
        long serverMicros = Long.parseLong(before.get(0)) * 1_000_000 + Long.parseLong(before.get(1));
        // the window ends where the server's clock reaches a whole second
        long endMicros = serverMicros + d.resetAfterNanos() / 1000;
        long offBy = Math.min(endMicros % 1_000_000, 1_000_000 - endMicros % 1_000_000);
        assertThat(offBy).as("distance of the window end from a server second, in µs").isLessThan(100_000);
      }
    }
  }
}
