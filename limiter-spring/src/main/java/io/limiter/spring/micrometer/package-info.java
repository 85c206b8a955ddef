/**
 * Micrometer meters for rate limiting: {@link io.limiter.spring.micrometer.RateLimitMetrics} counts decisions by
 * policy and outcome, times store calls and counts store errors.
 */
package io.limiter.spring.micrometer;
