/**
 * A Spring Cloud Gateway rate limiter backed by Limiter: {@link io.limiter.gateway.LimiterRateLimiter} implements the
 * gateway's {@code RateLimiter} extension, so the {@code RequestRateLimiter} filter of a route decides with a Limiter
 * policy (inline {@code limits} or a configured policy with step levels, tiers and penalties) on any Limiter store,
 * without blocking the event loop.
 */
@NullMarked
package io.limiter.gateway;

import org.jspecify.annotations.NullMarked;
