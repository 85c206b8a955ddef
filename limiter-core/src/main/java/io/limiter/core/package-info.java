/**
 * Limiter's core API: the rate grammar ({@link io.limiter.core.LimitSpec}), policies, the {@link
 * io.limiter.core.Decision} that flows from store to HTTP layer, {@link io.limiter.core.RateLimiter} and its registry,
 * stores, and the framework-neutral key model. No Servlet, Spring or Redis type appears here.
 */
@NullMarked
package io.limiter.core;

import org.jspecify.annotations.NullMarked;
