package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.spi.StoreFailureHandler;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/** Applies each policy's {@link io.limiter.core.FailureMode}; logs each policy's failures at most once per interval. */
public final class ModeStoreFailureHandler implements StoreFailureHandler {

  private static final System.Logger LOG = System.getLogger(StoreFailureHandler.class.getName());

  private final RateLimitStore fallback;
  private final long closedRetryAfterNanos;
  private final long logIntervalNanos;
  private final ConcurrentHashMap<String, Long> lastLogged = new ConcurrentHashMap<>();

  public ModeStoreFailureHandler(RateLimitStore fallback, Duration closedRetryAfter, Duration logInterval) {
    this.fallback = Objects.requireNonNull(fallback, "fallback");
    if (closedRetryAfter.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException("closedRetryAfter must be at least 1 second but was " + closedRetryAfter);
    }
    this.closedRetryAfterNanos = closedRetryAfter.toNanos();
    this.logIntervalNanos = Objects.requireNonNull(logInterval, "logInterval").toNanos();
  }

  @Override
  public Decision onFailure(LimitPolicy policy, String key, long permits, Throwable failure) {
    log(policy, failure);
    switch (policy.failureMode()) {
      case FAIL_CLOSED:
        return Decision.degradedRejected(policy, closedRetryAfterNanos);
      case LOCAL_FALLBACK:
        return fallback.acquire(key, policy, permits).asDegraded();
      case FAIL_OPEN:
      default:
        return Decision.degradedAllowed(policy);
    }
  }

  private void log(LimitPolicy policy, Throwable failure) {
    long now = System.nanoTime();
    Long last = lastLogged.get(policy.name());
    if (last != null && now - last < logIntervalNanos) {
      return;
    }
    if (last == null ? lastLogged.putIfAbsent(policy.name(), now) == null
        : lastLogged.replace(policy.name(), last, now)) {
      LOG.log(Level.WARNING, "rate limit store failed for policy " + policy.name() + "; applying "
          + policy.failureMode() + " (logged at most once per " + Duration.ofNanos(logIntervalNanos) + ")",
          failure);
    }
  }
}
