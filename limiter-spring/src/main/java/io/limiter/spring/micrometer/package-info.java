/**
 * Micrometer meters for rate limiting: {@link io.limiter.spring.micrometer.RateLimitMetrics} counts decisions by
 * policy and outcome, times store calls and counts store errors; {@link io.limiter.spring.micrometer.RedisStoreMetrics}
 * publishes the counters of the Redis store (needs limiter-redis).
 */
@NullMarked
package io.limiter.spring.micrometer;

import org.jspecify.annotations.NullMarked;
