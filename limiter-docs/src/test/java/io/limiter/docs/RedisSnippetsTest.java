package io.limiter.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.redis.RedisRateLimitStore;
import java.lang.reflect.Method;
import org.junit.jupiter.api.Test;

/**
 * docs/redis.md's quick start, compiled here. It names a fixed server address, so this test compiles it and checks its
 * shape but does not run it; the Redis store's own integration tests run the same calls against real servers.
 */
class RedisSnippetsTest {

  @SuppressWarnings("unused")
  private static Decision quickStart(String clientKey) {
    // tag::quick-start[]
    RedisRateLimitStore store = RedisRateLimitStore.builder()
        .uri("redis://127.0.0.1:6379")          // or .cluster("redis://10.0.0.1:7000", ...) or .client(yourRedisClient)
        .build();                                // close() it on shutdown
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "10/second; 1000/hour"), store);

    Decision d = limiter.acquire(clientKey);                               // blocks at most the command timeout
    limiter.acquireAsync(clientKey, 1).thenAccept(decision -> reply(decision)); // never blocks the caller
    // end::quick-start[]
    return d;
  }

  private static void reply(Decision decision) {
  }

  @Test
  void theQuickStartCompilesAgainstThePublicApi() throws Exception {
    Method m = RedisSnippetsTest.class.getDeclaredMethod("quickStart", String.class);
    assertThat(m.getReturnType()).isEqualTo(Decision.class);
    assertThat(io.limiter.redis.RedisRateLimitStoreBuilder.class.getMethod("cluster", String[].class)).isNotNull();
  }
}
