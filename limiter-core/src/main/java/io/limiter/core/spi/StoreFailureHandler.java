package io.limiter.core.spi;

import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.internal.ModeStoreFailureHandler;
import java.time.Duration;

/**
 * Decides a request when a store cannot: remote stores call it when the server is down, stalled, or answered with an
 * error, and return its decision instead of throwing. The {@link #byFailureMode} handler applies each policy's
 * {@link FailureMode}; custom handlers may do anything else (and must be thread-safe and fast).
 */
@FunctionalInterface
public interface StoreFailureHandler {

  /**
   * @param policy the policy being decided
   * @param key the canonical key
   * @param permits the cost
   * @param failure why the store failed
   * @return the decision to use; {@link Decision#degraded()} should be true
   */
  Decision onFailure(LimitPolicy policy, String key, long permits, Throwable failure);

  /**
   * Returns the standard handler: {@link FailureMode#FAIL_OPEN} admits (degraded), {@link FailureMode#FAIL_CLOSED}
   * rejects with {@code closedRetryAfter}, {@link FailureMode#LOCAL_FALLBACK} decides in {@code fallback}. Each kind
   * of failure is logged at WARNING at most once per {@code logInterval} per policy.
   *
   * @param fallback the local store for {@link FailureMode#LOCAL_FALLBACK}
   * @param closedRetryAfter the {@code Retry-After} of fail-closed rejections, at least one second
   * @param logInterval the least time between two log lines for the same policy
   * @return the handler
   */
  static StoreFailureHandler byFailureMode(RateLimitStore fallback, Duration closedRetryAfter, Duration logInterval) {
    return new ModeStoreFailureHandler(fallback, closedRetryAfter, logInterval);
  }
}
