package io.limiter.redis;

import io.limiter.core.RateLimitStore;
import io.limiter.test.ManualTicker;
import io.limiter.test.RateLimitStoreContract;
import io.limiter.test.WarmupContract;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The shared store contract against a real standalone redis-server, with the scripts reading the test clock. */
class RedisStoreContractIT extends RateLimitStoreContract implements WarmupContract {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  @Override
  protected RateLimitStore createStore(ManualTicker ticker) {
    return RedisRateLimitStore.builder()
        .uri(REDIS.uri())
        .clientResources(REDIS.resources())
        // a shared 2-core machine: exactness, not latency, is tested
        .commandTimeout(java.time.Duration.ofSeconds(30)).connectTimeout(java.time.Duration.ofSeconds(30))
        .testTicker(ticker)
        .build();
  }
}
