package io.limiter.gateway;

import io.limiter.core.http.HeaderMode;

/**
 * Which rate limit fields the gateway's responses carry. Every mode, {@link #NONE} included, writes
 * {@code Retry-After} on a rejection that a retry can pass, as Limiter's other front-ends do.
 *
 * <p>Immutable and thread-safe.
 */
public enum GatewayHeaderMode {
  /** IETF {@code RateLimit-Policy} and {@code RateLimit} fields (the default). */
  IETF(HeaderMode.IETF),
  /** Limiter's legacy {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}. */
  LEGACY(HeaderMode.LEGACY),
  /** Both {@link #IETF} and {@link #LEGACY}. */
  BOTH(HeaderMode.BOTH),
  /** No rate limit fields (only {@code Retry-After} on rejections). */
  NONE(HeaderMode.NONE),
  /**
   * The gateway's own {@code RedisRateLimiter} fields, for clients written against it:
   * {@code X-RateLimit-Remaining}, {@code X-RateLimit-Replenish-Rate} (the deciding limit's permits per second,
   * rounded down), {@code X-RateLimit-Burst-Capacity} (its burst) and {@code X-RateLimit-Requested-Tokens} (the cost).
   */
  GATEWAY(HeaderMode.NONE);

  private final HeaderMode limiterMode;

  GatewayHeaderMode(HeaderMode limiterMode) {
    this.limiterMode = limiterMode;
  }

  /** @return the Limiter header mode whose fields this mode writes ({@code NONE} for {@link #GATEWAY}) */
  HeaderMode limiterMode() {
    return limiterMode;
  }
}
