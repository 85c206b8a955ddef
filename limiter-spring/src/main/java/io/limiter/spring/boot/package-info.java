/**
 * Spring Boot auto-configuration: the {@code limiter.*} {@link io.limiter.spring.boot.LimiterProperties properties},
 * the store, the policy registry, {@code @RateLimit} processing, the URL-rule filter, Micrometer meters, and a
 * failure analyzer for invalid configuration. Spring Boot itself is an optional dependency of limiter-spring.
 */
@NullMarked
package io.limiter.spring.boot;

import org.jspecify.annotations.NullMarked;
