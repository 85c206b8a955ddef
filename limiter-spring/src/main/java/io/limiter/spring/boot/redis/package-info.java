/**
 * Spring Boot auto-configuration of {@code limiter.store=redis}: a {@link io.limiter.redis.RedisRateLimitStore} that
 * connects with Spring Boot's own {@code spring.data.redis.*} properties (or the application's Lettuce
 * {@code RedisClient}/{@code RedisClusterClient} bean), shares Boot's Lettuce {@code ClientResources} when there is
 * such a bean, takes its limiter-specific settings from {@code limiter.redis.*}
 * ({@link io.limiter.spring.boot.redis.LimiterRedisProperties}), and publishes the store's counters to Micrometer.
 * Active only with io.limiter:limiter-redis on the class path.
 */
@NullMarked
package io.limiter.spring.boot.redis;

import org.jspecify.annotations.NullMarked;
