package io.limiter.redis.internal;

import io.limiter.core.RateLimitStore;
import io.limiter.core.spi.RateLimitStoreProvider;
import java.net.URI;
import java.util.Map;
import java.util.Set;

/**
 * The {@link RateLimitStoreProvider} of this module, found through {@link java.util.ServiceLoader}: Redis URIs
 * ({@code redis://}, {@code rediss://}, Sentinel, Unix socket) create a Redis store from {@link UriStoreFactory}.
 */
public final class RedisStoreProvider implements RateLimitStoreProvider {

  private static final Set<String> SCHEMES = Set.of("redis", "rediss", "redis-sentinel", "rediss-sentinel",
      "redis-socket");

  @Override
  public Set<String> schemes() {
    return SCHEMES;
  }

  @Override
  public RateLimitStore create(URI uri, Map<String, String> options) {
    return UriStoreFactory.create(uri.toString(), options);
  }
}
