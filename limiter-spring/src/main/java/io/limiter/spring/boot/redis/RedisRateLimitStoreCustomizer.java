package io.limiter.spring.boot.redis;

import io.limiter.redis.RedisRateLimitStoreBuilder;

/**
 * Adjusts the auto-configured Redis store before it is built, for settings without a property, e.g. a custom
 * {@link RedisRateLimitStoreBuilder#failureHandler failure handler}. Every bean of this type is applied in
 * {@link org.springframework.core.Ordered order}, after the properties. Implementations run once, at startup.
 */
@FunctionalInterface
public interface RedisRateLimitStoreCustomizer {

  /**
   * @param builder the builder, with the connection and the {@code limiter.redis.*} settings applied
   */
  void customize(RedisRateLimitStoreBuilder builder);
}
