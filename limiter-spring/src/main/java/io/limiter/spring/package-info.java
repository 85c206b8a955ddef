/**
 * Rate limiting for Spring beans: {@link io.limiter.spring.EnableRateLimiting @EnableRateLimiting}, the
 * {@link io.limiter.spring.RateLimitingConfigurer} callback, the {@link io.limiter.spring.RateLimitInvocation} that
 * key resolvers see, the optional {@link io.limiter.spring.RateLimitFallback fallback method}, and the exceptions a
 * limited call can raise. The annotation itself is the framework-neutral {@link io.limiter.annotation.RateLimit}.
 */
@NullMarked
package io.limiter.spring;

import org.jspecify.annotations.NullMarked;
