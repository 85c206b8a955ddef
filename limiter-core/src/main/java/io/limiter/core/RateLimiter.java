package io.limiter.core;

import io.limiter.core.internal.DefaultRateLimiter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

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
  static RateLimiter of(LimitPolicy policy, RateLimitStore store, @Nullable RateLimitListener listener) {
    return new DefaultRateLimiter(policy, store, listener);
  }

  /**
   * Creates a limiter whose waiting calls ({@link #acquire(String, long, Duration)}) wait with {@code pacer}; the
   * others use {@link Pacer#system()}. The pacer's clock must be the store's (local stores) or advance in real time.
   *
   * @param policy the policy
   * @param store where its state lives
   * @param listener observes decisions, or null for none
   * @param pacer how waiting calls wait
   * @return the limiter
   */
  static RateLimiter of(LimitPolicy policy, RateLimitStore store, @Nullable RateLimitListener listener,
      Pacer pacer) {
    return new DefaultRateLimiter(policy, store, listener, pacer);
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
   * Takes {@code permits} for {@code key}, waiting at most {@code maxWait} for them: paces the caller instead of
   * refusing it. The permits are reserved in one call to the store, in the earliest slot the limits allow (a token
   * bucket's theoretical arrival time moves up to {@code maxWait} ahead: never a sleep-and-retry loop), and the thread
   * waits until that slot; callers are served in the order their reservations reached the store (FIFO), so calls
   * proceed at the limit's rate, never faster. If the earliest slot is later than {@code maxWait}, nothing is taken
   * and the rejection returns at once (its retry-after is the wait that would have been needed).
   *
   * <p>The wait parks the thread without holding a monitor (virtual threads unmount). An interrupt while waiting
   * gives the slot back (when no later reservation was made on the key since: see {@link ScheduledPermits#cancel()})
   * and throws. A wait of zero decides as {@link #acquire(String, long)}. Window algorithms cannot reserve a future
   * slot: a positive wait on a {@code FIXED_WINDOW} or {@code SLIDING_WINDOW} policy is refused.
   *
   * @param key the client key
   * @param permits the cost, at least 1
   * @param maxWait the longest to wait, zero or positive
   * @return the decision: allowed once the slot has come, or the rejection (returned without waiting)
   * @throws InterruptedException if interrupted while waiting
   * @throws IllegalArgumentException if {@code maxWait} is negative, or positive for a window algorithm
   * @throws UnsupportedOperationException if {@code maxWait} is positive and this limiter or its store cannot wait
   */
  default Decision acquire(String key, long permits, Duration maxWait) throws InterruptedException {
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative but was " + maxWait);
    }
    if (maxWait.isZero()) {
      return acquire(key, permits);
    }
    throw new UnsupportedOperationException(getClass().getName() + " cannot wait for permits");
  }

  /**
   * {@link #acquire(String, long, Duration)} without blocking: the stage completes (on the pacer's executor, never on
   * the caller's thread for a wait above 0) when the reserved slot comes, or at once with the rejection if it is later
   * than {@code maxWait}. Cancelling the returned future before it completes gives the slot back (as an interrupt
   * does).
   *
   * @param key the client key
   * @param permits the cost, at least 1
   * @param maxWait the longest to wait, zero or positive
   * @return the decision, when the slot comes
   */
  default CompletableFuture<Decision> acquireAsync(String key, long permits, Duration maxWait) {
    if (maxWait.isZero()) {
      return acquireAsync(key, permits).toCompletableFuture();
    }
    return CompletableFuture.failedFuture(
        new UnsupportedOperationException(getClass().getName() + " cannot wait for permits"));
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
   * Returns what {@link #reserve(String, long)} would take, as a {@link Claim} to be decided together with the other
   * policies of the same request by {@link Claim#reserveAll(List)}: all or nothing, in one store call where the store
   * can. The limiters of this library return a store claim (shadow mode and the listener apply as for
   * {@link #reserve}); the default is a deferred claim that calls {@link #reserve(String, long)} in its turn.
   *
   * @param key the client key
   * @param permits the permits to reserve, at least 1
   * @return the claim
   */
  default Claim claim(String key, long permits) {
    return Claim.deferred(() -> reserve(key, permits));
  }

  /**
   * {@link #claim(String, long)} in the bucket that requests without a key share (see {@link #acquireShared}).
   *
   * @param bucket the shared bucket
   * @param permits the permits to reserve, at least 1
   * @return the claim
   */
  default Claim claimShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return Claim.deferred(() -> reserveShared(bucket, permits));
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
