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

  private static long micros(List<String> time) {
    return Long.parseLong(time.get(0)) * 1_000_000 + Long.parseLong(time.get(1));
  }

  @Test
  void fixedWindowsEndOnTheServersSecondBoundaries() {
    try (RedisRateLimitStore store = store(Duration.ofMinutes(17).toNanos() + 123_456_789)) {
      RateLimiter limiter = RateLimiter.of(LimitPolicy.builder("edges").limits("5/second")
          .algorithm(Algorithm.FIXED_WINDOW).build(), store);
      // the script reads TIME between the two readings here, so the window's end, seen from them, lies within
      // [before + reset, after + reset]: that span must hold a whole server second. Checked on every attempt, however
      // slow the machine; an attempt only tells something when the span is well below a second, so attempts go on
      // until five such (a loaded machine may stretch a few)
      int informative = 0;
      for (int attempt = 0; attempt < 200 && informative < 5; attempt++) {
        long before = micros(REDIS.command(c -> c.time()));
        Decision d = limiter.acquire("client-" + attempt);
        long after = micros(REDIS.command(c -> c.time()));
        long reset = d.resetAfterNanos() / 1000;
        long from = before + reset - 1; // reset is rounded up to whole µs
        long to = after + reset + 1;
        long second = Math.floorDiv(to, 1_000_000) * 1_000_000;
        assertThat(second).as("a server second within the window end's span [%d, %d] µs (attempt %d)", from, to,
            attempt).isGreaterThanOrEqualTo(from);
        if (to - from < 500_000) {
          informative++;
        }
      }
      assertThat(informative).as("attempts whose span was under half a second").isPositive();
    }
  }
}
