package io.limiter.core;

import io.limiter.core.internal.DefaultRateLimiter;
import java.util.concurrent.CompletionStage;

/**
 * A {@link LimitPolicy} bound to a {@link RateLimitStore}: the object application code asks for permits.
 *
 * <pre>{@code
 * RateLimiter limiter = RateLimiter.of(LimitPolicy.of("search", "10/second; 1000/hour"), RateLimitStore.inMemory());
 * Decision d = limiter.acquire(clientIp);
 * if (d.rejected()) {
 *   // 429 with Retry-After: d.retryAfter()
 * }
 * }</pre>
 *
 * <p><b>Keys.</b> A key is any non-blank text (resolve missing keys with a {@link MissingKeyStrategy} first; blank
 * keys are refused with an {@link IllegalArgumentException}). Every method here, {@link #forKey} included, turns it
 * into the key the store holds in one place, the same way for every store:
 * <ul>
 *   <li>Keys starting with {@code !} are reserved for the library: {@code !missing:<bucket>}, the shared bucket of
 *       requests without a key (reached only through {@link #acquireShared}), and {@code !sha256:<hash>}, a hashed
 *       long key. A key you pass that starts with {@code !} or {@code \} is stored with a {@code \} in front, so no
 *       key you pass, whatever its spelling, shares state with a reserved key.
 *   <li>A key whose stored form would exceed 256 UTF-8 bytes, or that contains an unpaired surrogate, is stored as
 *       {@code !sha256:} and its hash, so memory per key stays bounded.
 *   <li>Every other key is stored as given. The integrations spell their keys with their {@link KeyKind}
 *       ({@code ip:203.0.113.7}, {@code h:x-api-key:...}), so a header's value cannot pose as an IP. When you pass
 *       a client-supplied value yourself, spell it with a {@link KeyKind} (or a prefix of your own) too, if the
 *       policy is also used with other kinds of key.
 * </ul>
 * In a
 * {@link LimitPolicy#shadow() shadow} policy, requests over the limit are reported but allowed. Thread-safe.
 */
public interface RateLimiter {

  /**
   * Creates a limiter without a listener.
   *
   * @param policy the policy
   * @param store where its state lives
   * @return the limiter
   */
  static RateLimiter of(LimitPolicy policy, RateLimitStore store) {
    return new DefaultRateLimiter(policy, store, null);
  }

  /**
   * Creates a limiter that reports every decision to a listener.
   *
   * @param policy the policy
   * @param store where its state lives
   * @param listener observes decisions, or null for none
   * @return the limiter
   */
  static RateLimiter of(LimitPolicy policy, RateLimitStore store, RateLimitListener listener) {
    return new DefaultRateLimiter(policy, store, listener);
  }

  /** @return the policy's name */
  default String name() {
    return policy().name();
  }

  /** @return the policy */
  LimitPolicy policy();

  /**
   * Takes the policy's {@link LimitPolicy#cost() cost} for {@code key} if all limits allow it.
   *
   * @param key the client key
   * @return whether the request may proceed
   */
  default boolean tryAcquire(String key) {
    return tryAcquire(key, policy().cost());
  }

  /**
   * Takes {@code permits} for {@code key} if all limits allow it. Cheaper than {@link #acquire(String, long)} when no
   * listener is set: no {@link Decision} is built.
   *
   * @param key the client key
   * @param permits the cost, at least 1
   * @return whether the request may proceed
   */
  boolean tryAcquire(String key, long permits);

  /**
   * Takes the policy's cost for {@code key} if all limits allow it.
   *
   * @param key the client key
   * @return the decision
   */
  default Decision acquire(String key) {
    return acquire(key, policy().cost());
  }

  /**
   * Takes {@code permits} for {@code key} if all limits allow it.
   *
   * @param key the client key
   * @param permits the cost, at least 1
   * @return the decision
   */
  Decision acquire(String key, long permits);

  /**
   * Takes {@code permits} for {@code key} or throws.
   *
   * @param key the client key
   * @param permits the cost, at least 1
   * @return the admitting decision
   * @throws RateLimitExceededException with the rejecting decision
   */
  default Decision acquireOrThrow(String key, long permits) {
    Decision decision = acquire(key, permits);
    if (decision.rejected()) {
      throw new RateLimitExceededException(decision);
    }
    return decision;
  }

  /**
   * Decides without blocking; remote stores complete the stage when their server answers.
   *
   * @param key the client key
   * @param permits the cost, at least 1
   * @return the decision, when known
   */
  CompletionStage<Decision> acquireAsync(String key, long permits);

  /**
   * Takes {@code permits} in the bucket that requests without a key share under a
   * {@link MissingKeyStrategy#sharedBucket(String) shared-bucket strategy}. Its stored key, {@code !missing:<bucket>},
   * is reserved: no key passed to {@link #acquire(String, long)} reaches it.
   *
   * @param bucket the shared bucket
   * @param permits the cost, at least 1
   * @return the decision
   */
  Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, long permits);

  /**
   * Takes {@code permits} for {@code key} if all limits allow it, as a {@link Reservation} to be settled to the actual
   * cost later: refund it when the outcome should cost nothing (charge on outcome, or another policy of the same
   * request rejected it), or settle it to a cost known only afterwards (tokens, bytes). Shadow mode and the listener
   * apply to its decision as to {@link #acquire(String, long)}'s.
   *
   * @param key the client key
   * @param permits the permits to reserve (an estimate of the cost), at least 1
   * @return the reservation; {@link Reservation#allowed()} says whether the request may proceed. The limiters of
   *     this library settle it in their store; the default takes the permits with {@link #acquire(String, long)}, and
   *     settling it to another cost throws {@link UnsupportedOperationException}
   */
  default Reservation reserve(String key, long permits) {
    return unsettleable(acquire(key, permits), key, permits);
  }

  private Reservation unsettleable(Decision decision, String key, long permits) {
    return Reservation.of(decision, key, decision.policy(), permits, 0, (r, actual) -> {
      throw new UnsupportedOperationException(getClass().getName() + " cannot settle reservations");
    });
  }

  /**
   * {@link #reserve(String, long)} in the bucket that requests without a key share (see {@link #acquireShared}).
   *
   * @param bucket the shared bucket
   * @param permits the permits to reserve, at least 1
   * @return the reservation (see {@link #reserve(String, long)} for the default)
   */
  default Reservation reserveShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return unsettleable(acquireShared(bucket, permits), bucket.key(), permits);
  }

  /**
   * Returns a limiter fixed to one key, for code that limits one resource (an outbound API, a job) rather than many
   * clients. It skips the per-call key lookup.
   *
   * @param key the key
   * @return the bound limiter; its {@link BoundLimiter#key()} is the stored key
   */
  BoundLimiter forKey(String key);
}
