package io.limiter.redis;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.limiter.core.RateLimitStore;
import io.limiter.test.ManualTicker;
import io.limiter.test.RateLimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared store contract against a real standalone redis-server, with the scripts reading the test clock. */
class RedisStoreContractIT extends RateLimitStoreContract {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static ClientResources resources;

  @BeforeAll
  static void createResources() {
    resources = DefaultClientResources.create();
  }

  @AfterAll
  static void shutdownResources() {
    resources.shutdown();
  }

  @Override
  protected RateLimitStore createStore(ManualTicker ticker) {
    return RedisRateLimitStore.builder()
        .uri(REDIS.uri())
        .clientResources(resources)
        .commandTimeout(java.time.Duration.ofSeconds(5)) // a shared 2-core machine: exactness, not latency, is tested
        .testTicker(ticker)
        .build();
  }
}
