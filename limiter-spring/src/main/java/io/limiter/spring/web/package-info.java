/**
 * Spring MVC support: {@link io.limiter.spring.web.RateLimitExceptionHandler} turns rejections into 429 (503 when the
 * store failed closed) problem responses with {@code Retry-After} and {@code RateLimit} fields, and missing keys into
 * 401 problems.
 */
@NullMarked
package io.limiter.spring.web;

import org.jspecify.annotations.NullMarked;
