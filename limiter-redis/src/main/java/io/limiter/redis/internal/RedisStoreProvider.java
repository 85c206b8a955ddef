package io.limiter.redis.internal;

import io.limiter.core.RateLimitStore;
import io.limiter.core.spi.RateLimitStoreProvider;
import java.util.Map;

/**
 * The {@link RateLimitStoreProvider} named {@code redis}, found through {@link java.util.ServiceLoader}: the servlet
 * filter's {@code store=redis} with {@code store.uri=redis://…} and further {@code store.*} settings (see
 * {@link io.limiter.redis.RedisRateLimitStore#fromUri}) creates a Redis store from {@link UriStoreFactory}.
 * Stateless and thread-safe.
 */
public final class RedisStoreProvider implements RateLimitStoreProvider {

  @Override
  public String name() {
    return "redis";
  }

  @Override
  public RateLimitStore create(Map<String, String> settings) {
    return UriStoreFactory.create(settings);
  }
}
