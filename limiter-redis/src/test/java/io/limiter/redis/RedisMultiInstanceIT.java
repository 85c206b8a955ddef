package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Exactness across application instances: four stores, each with its own Lettuce client and connection (as four
 * JVMs would have), 16 threads each, hammer one key of capacity 100 on the server's clock; exactly 100 are admitted,
 * in every repetition, for every algorithm, with and without the local deny cache, sync and async mixed.
 */
class RedisMultiInstanceIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static final int INSTANCES = 4;
  private static final int THREADS = 16;

  static Stream<Arguments> cases() {
    // periods long enough that nothing refills and no window ends during the test (3650-day windows end in 2029)
    return Stream.of(
        Arguments.of(Algorithm.TOKEN_BUCKET, "100/hour", false),
        Arguments.of(Algorithm.TOKEN_BUCKET, "100/hour", true),
        Arguments.of(Algorithm.FIXED_WINDOW, "100/3650 days", false),
        Arguments.of(Algorithm.SLIDING_WINDOW, "100/3650 days", true),
        Arguments.of(Algorithm.TOKEN_BUCKET, "100/hour; 1000/day", false));
  }

  @ParameterizedTest(name = "{0} {1}, deny cache {2}")
  @MethodSource("cases")
  void fourInstancesOfSixteenThreadsAdmitExactlyTheCapacity(Algorithm algorithm, String spec, boolean denyCache)
      throws Exception {
    LimitPolicy policy = LimitPolicy.builder("instances-" + algorithm + "-" + denyCache + "-" + spec.length())
        .limits(spec).algorithm(algorithm).build();
    List<RedisRateLimitStore> stores = new ArrayList<>();
    try (Hammer hammer = new Hammer(THREADS, INSTANCES)) {
      List<RateLimiter> limiters = new ArrayList<>();
      for (int i = 0; i < INSTANCES; i++) {
        RedisRateLimitStore store = RedisRateLimitStore.builder().uri(REDIS.uri())
            // exactness is tested here, not latency
            .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30))
            .localDenyCache(denyCache ? 1000 : 0).build();
        stores.add(store);
        limiters.add(RateLimiter.of(policy, store));
      }
      for (int repetition = 0; repetition < 8; repetition++) {
        Hammer.Result result = hammer.round(limiters, "one-key-" + repetition, 3);
        assertThat(result.degraded()).as("degraded decisions in repetition %d", repetition).isZero();
        assertThat(result.admitted()).as("admitted in repetition %d", repetition).isEqualTo(100);
      }
      if (denyCache) {
        assertThat(stores.stream().mapToLong(s -> s.stats().localDenials()).sum())
            .as("rejections answered by the deny caches").isPositive();
      }
    } finally {
      stores.forEach(RedisRateLimitStore::close);
    }
  }
}
