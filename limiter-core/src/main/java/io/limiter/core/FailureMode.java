package io.limiter.core;

/**
 * What a policy does when its store cannot answer (a Redis server that is down, stalled or timing out). In-memory
 * stores never fail, so the mode matters only for remote stores; they apply it through
 * {@link io.limiter.core.spi.StoreFailureHandler}.
 */
public enum FailureMode {
  /** Admit the request; the decision is marked {@link Decision#degraded() degraded}. The default. */
  FAIL_OPEN,
  /** Reject the request; the decision is degraded, and HTTP layers answer 503 with a {@code Retry-After}. */
  FAIL_CLOSED,
  /** Decide in a bounded local store until the remote store answers again. */
  LOCAL_FALLBACK
}
