package io.limiter.core;

import java.util.List;
import java.util.Objects;

/**
 * Observes the decisions of a {@link RateLimiter}: metrics, logs, the penalty box. Called on the deciding thread
 * after the decision, so implementations must be fast, thread-safe and must not throw (an exception is logged and
 * swallowed). When no listener is set, the limiter does not build a {@link Decision} for {@code tryAcquire} at all.
 */
public interface RateLimitListener {

  /**
   * Called after an admission.
   *
   * @param key the canonical key
   * @param decision the decision, {@link Decision.Outcome#ALLOWED}
   */
  default void onAllowed(String key, Decision decision) {
  }

  /**
   * Called after a request over the limit, rejected or let through in shadow mode (see {@link Decision#outcome()}).
   *
   * @param key the canonical key
   * @param decision the decision
   */
  default void onRejected(String key, Decision decision) {
  }

  /**
   * Combines listeners; each is called in order, and one that throws does not keep the later ones from being called
   * (a metrics listener that fails must not switch off the penalty box after it): its exception is logged and
   * swallowed, as the limiter does for a single listener. Thread-safe if the listeners are.
   *
   * @param listeners the listeners
   * @return one listener calling all
   */
  static RateLimitListener composite(List<? extends RateLimitListener> listeners) {
    List<RateLimitListener> all = List.copyOf(Objects.requireNonNull(listeners, "listeners"));
    if (all.size() == 1) {
      return all.get(0);
    }
    return new RateLimitListener() {
      @Override
      public void onAllowed(String key, Decision decision) {
        for (RateLimitListener l : all) {
          try {
            l.onAllowed(key, decision);
          } catch (Exception e) { // also a checked one a Kotlin listener throws
            failed(l, e);
          }
        }
      }

      @Override
      public void onRejected(String key, Decision decision) {
        for (RateLimitListener l : all) {
          try {
            l.onRejected(key, decision);
          } catch (Exception e) {
            failed(l, e);
          }
        }
      }

      private void failed(RateLimitListener l, Exception e) {
        System.getLogger(RateLimitListener.class.getName()).log(System.Logger.Level.WARNING,
            "rate limit listener " + l + " failed; the other listeners are still called", e);
      }
    };
  }
}
