package io.limiter.core.step;

/**
 * Observes a {@link PenaltyBox}: clients going in and coming out, for metrics, audit logs or alerts. Called on the
 * request thread that noticed the change (or the one cleaning up), outside any lock; implementations must be fast,
 * thread-safe, and must not throw (an exception is logged and swallowed).
 */
@FunctionalInterface
public interface PenaltyListener {

  /**
   * @param event what happened
   */
  void onPenalty(PenaltyEvent event);
}
