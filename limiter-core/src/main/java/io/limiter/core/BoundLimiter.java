package io.limiter.core;

/**
 * A {@link RateLimiter} fixed to one key, from {@link RateLimiter#forKey(String)}. It skips canonicalising the key per
 * call. The in-memory store also keeps a direct reference to the key's state, so a decision costs one clock read and
 * one compare-and-set; the Caffeine store looks the key up per decision (the lookup renews its expiry), and remote
 * stores send a request per decision. Thread-safe.
 */
public interface BoundLimiter {

  /** @return the canonical key */
  String key();

  /** @return the policy */
  LimitPolicy policy();

  /**
   * @return whether the policy's cost was taken
   */
  default boolean tryAcquire() {
    return tryAcquire(policy().cost());
  }

  /**
   * @param permits the cost, at least 1
   * @return whether the permits were taken
   */
  boolean tryAcquire(long permits);

  /**
   * @return the decision for the policy's cost
   */
  default Decision acquire() {
    return acquire(policy().cost());
  }

  /**
   * @param permits the cost, at least 1
   * @return the decision
   */
  Decision acquire(long permits);
}
