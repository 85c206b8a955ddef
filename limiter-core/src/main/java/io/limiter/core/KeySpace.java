package io.limiter.core;

import io.limiter.core.internal.KeyNormalizer;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The keyed state of one {@link LimitPolicy} inside one {@link RateLimitStore}: one bucket (or pair of window
 * counters) per limit and key. Obtained from {@link RateLimitStore#keySpace(LimitPolicy)}; {@link RateLimiter} is the
 * usual way to reach it.
 *
 * <p>Keys are <em>stored keys</em>: the form {@link RateLimiter} gives every key it is passed (see its class comment:
 * reserved {@code !} keys, long keys hashed). Every implementation checks the keys its methods are given with
 * {@link #requireStoredKey(String)} (before a key can take any room in the store), so a blank, over-long or
 * malformed key given to a store directly is refused, never stored; stores do not hash or escape keys themselves,
 * which would make a key passed through a {@link RateLimiter} and the same key passed directly two different keys.
 * Every method decides and charges all limits of the policy atomically for the key: a request rejected by one limit
 * charges none. Implementations must be thread-safe, must never admit more than the limits allow under any
 * concurrency, and must not lock globally.
 */
public interface KeySpace {

  /**
   * Checks a key given to a store: the one rule every store applies on its direct API.
   *
   * @param key a stored key
   * @return the key
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException naming the key if it is blank, longer than 256 UTF-8 bytes or contains an
   *     unpaired surrogate; {@link RateLimiter} hashes such keys instead
   */
  static String requireStoredKey(String key) {
    return KeyNormalizer.requireStored(key);
  }

  /** @return the policy whose state this is */
  LimitPolicy policy();

  /**
   * Decides whether {@code permits} may be taken for {@code key} now and, if so, takes them.
   *
   * @param key a canonical key
   * @param permits the cost of the request, at least 1
   * @return the decision
   */
  Decision acquire(String key, long permits);

  /**
   * Decides with other limits than the policy's own, keeping the key's state: the limits of a step level or a client
   * tier. {@link #policy()} must {@link LimitPolicy#canShareStateWith(LimitPolicy) share its state} with
   * {@code effective}; the returned decision refers to it. For repeated use, {@link #view(LimitPolicy)} is cheaper.
   *
   * @param key a canonical key
   * @param permits the cost of the request, at least 1
   * @param effective the policy to decide with
   * @return the decision
   * @throws IllegalArgumentException if {@code effective} is not compatible with {@link #policy()}
   */
  Decision acquire(String key, long permits, LimitPolicy effective);

  /**
   * Reserves with other limits than the policy's own, keeping the key's state, as
   * {@link #acquire(String, long, LimitPolicy)} decides.
   *
   * @param key a canonical key
   * @param permits the permits to reserve, at least 1
   * @param effective the policy to decide with
   * @return the reservation
   */
  default Reservation reserve(String key, long permits, LimitPolicy effective) {
    Decision decision = acquire(key, permits, effective);
    return Reservation.of(decision, key, effective, permits, 0, (r, actual) -> {
      throw new UnsupportedOperationException("the key space " + this + " cannot settle reservations");
    });
  }

  /**
   * Returns a key space that shares this one's state but decides with the limits of {@code effective}: the view that
   * step-function throttling keeps per step level, schedule step and client tier, so that switching between them
   * costs no lookup and resets no client. {@code view.acquire(key, n)} is {@code acquire(key, n, effective)}.
   *
   * <p>The store keeps every key long enough for the slowest-refilling view created so far (lossless expiry still
   * holds). Remote stores pass the effective limits to the server with each decision.
   *
   * @param effective the policy to decide with; {@link LimitPolicy#canShareStateWith(LimitPolicy)} must hold
   * @return the view, or this key space if {@code effective} equals {@link #policy()}
   * @throws IllegalArgumentException if {@code effective} is not compatible with {@link #policy()}
   */
  default KeySpace view(LimitPolicy effective) {
    Objects.requireNonNull(effective, "effective");
    if (effective.equals(policy())) {
      return this;
    }
    if (!policy().canShareStateWith(effective)) {
      throw new IllegalArgumentException("policy " + effective + " cannot decide on the state of " + policy()
          + ": name, algorithm and number of limits must match (and the periods, in any order, for window algorithms)");
    }
    KeySpace parent = this;
    return new KeySpace() {
      @Override
      public LimitPolicy policy() {
        return effective;
      }

      @Override
      public Decision acquire(String key, long permits) {
        return parent.acquire(key, permits, effective);
      }

      @Override
      public Decision acquire(String key, long permits, LimitPolicy other) {
        return parent.acquire(key, permits, other);
      }

      @Override
      public KeySpace view(LimitPolicy other) {
        return parent.view(other);
      }

      @Override
      public Reservation reserve(String key, long permits) {
        return parent.reserve(key, permits, effective);
      }

      @Override
      public CompletionStage<Reservation> reserveAsync(String key, long permits) {
        return parent.reserveAsync(key, permits, effective);
      }
    };
  }

  /**
   * Decides and takes {@code permits} like {@link #acquire(String, long)}, as a {@link Reservation} whose actual cost
   * is {@linkplain Reservation#settle(long) settled} later (refunding or charging the difference). The stores of this
   * library implement it; the default takes the permits but cannot settle them to another cost
   * ({@link UnsupportedOperationException} then).
   *
   * @param key a canonical key
   * @param permits the permits to reserve, at least 1
   * @return the reservation; {@link Reservation#taken()} says whether permits were taken
   */
  default Reservation reserve(String key, long permits) {
    Decision decision = acquire(key, permits);
    LimitPolicy effective = decision.policy();
    return Reservation.of(decision, key, effective, permits, 0, (r, actual) -> {
      throw new UnsupportedOperationException("the key space " + this + " cannot settle reservations");
    });
  }

  /**
   * {@link #reserve(String, long)} without blocking the caller: the async form {@link Claim#reserveAllAsync(List)}
   * reserves with. A remote store sends the decision and completes the stage when the server answers (on its I/O
   * thread) or its command timeout expires (on its timer thread), with the decision of the policy's failure mode
   * then, as {@link #acquireAsync(String, long)} does; the local stores, whose decisions never block, complete it
   * before returning. The default reserves with {@link #reserve(String, long)} on the calling thread, so a store of
   * another implementation keeps working, decided as its synchronous form decides.
   *
   * @param key a canonical key
   * @param permits the permits to reserve, at least 1
   * @return the reservation, when decided; exceptionally with what {@link #reserve(String, long)} would throw
   */
  default CompletionStage<Reservation> reserveAsync(String key, long permits) {
    try {
      return CompletableFuture.completedFuture(reserve(key, permits));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@link #reserve(String, long, LimitPolicy)} without blocking the caller, as {@link #reserveAsync(String, long)}.
   *
   * @param key a canonical key
   * @param permits the permits to reserve, at least 1
   * @param effective the policy to decide with
   * @return the reservation, when decided
   */
  default CompletionStage<Reservation> reserveAsync(String key, long permits, LimitPolicy effective) {
    try {
      return CompletableFuture.completedFuture(reserve(key, permits, effective));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Reserves {@code permits} for {@code key} in the earliest slot at most {@code maxWaitNanos} from now: the waiting
   * form of {@link #acquire(String, long)}, which paces callers instead of refusing them (see
   * {@link ScheduledPermits}). With {@code maxWaitNanos == 0} it decides exactly as {@link #acquire(String, long)}.
   * Only the token bucket can reserve a future slot exactly (its state is the time the bucket is full again, which a
   * reservation simply moves forward); window algorithms count what happened in a window and have no state for a
   * future one, so they refuse any wait above 0.
   *
   * <p>The stores of this library implement it; this default answers a wait of 0 with {@link #acquire(String, long)}
   * and refuses any other.
   *
   * @param key a canonical key
   * @param permits the permits to reserve, at least 1
   * @param maxWaitNanos the longest the caller will wait for its slot, at least 0
   * @return the reserved slot, or the rejection if the earliest one is later
   * @throws IllegalArgumentException if {@code maxWaitNanos} is positive and the policy's algorithm is a window
   * @throws UnsupportedOperationException if {@code maxWaitNanos} is positive and the store cannot reserve slots
   */
  default ScheduledPermits schedule(String key, long permits, long maxWaitNanos) {
    if (maxWaitNanos < 0) {
      throw new IllegalArgumentException("maxWaitNanos must be >= 0 but was " + maxWaitNanos);
    }
    if (maxWaitNanos == 0) {
      return ScheduledPermits.immediate(acquire(key, permits));
    }
    requireWaitable(policy());
    throw new UnsupportedOperationException("the key space " + this + " cannot reserve future slots");
  }

  /**
   * Checks that a policy can reserve future slots: the one rule of every store and front-end.
   *
   * @param policy the policy
   * @throws IllegalArgumentException naming the policy if its algorithm is a window
   */
  static void requireWaitable(LimitPolicy policy) {
    if (policy.algorithm() != Algorithm.TOKEN_BUCKET) {
      throw new IllegalArgumentException("policy " + policy.name() + " uses " + policy.algorithm()
          + ", which cannot reserve a future slot: a window counts what happened in it and has no state for a later"
          + " window; waiting for a permit (max-wait) needs TOKEN_BUCKET");
    }
  }

  /**
   * Like {@link #acquire(String, long)} but answers only whether the request is admitted; stores can answer this
   * without allocating.
   *
   * @param key a canonical key
   * @param permits the cost of the request, at least 1
   * @return whether the permits were taken
   */
  default boolean tryAcquire(String key, long permits) {
    return acquire(key, permits).allowed();
  }

  /**
   * Decides without blocking the caller. Local stores complete the stage before returning; remote stores complete it
   * when the server answers.
   *
   * @param key a canonical key
   * @param permits the cost of the request, at least 1
   * @return the decision, when known
   */
  default CompletionStage<Decision> acquireAsync(String key, long permits) {
    try {
      return CompletableFuture.completedFuture(acquire(key, permits));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Returns a handle for repeated decisions on one key. The in-memory store keeps a direct reference to the key's
   * state in it, which saves the map lookup per decision, and the handle stays correct when the key expires
   * meanwhile; other stores (Caffeine, Redis) decide per call as {@link #acquire(String, long)} does.
   *
   * @param key a canonical key
   * @return the handle
   */
  default KeyHandle handle(String key) {
    return new KeyHandle() {
      @Override
      public Decision acquire(long permits) {
        return KeySpace.this.acquire(key, permits);
      }

      @Override
      public boolean tryAcquire(long permits) {
        return KeySpace.this.tryAcquire(key, permits);
      }
    };
  }

  /** Repeated decisions on one key of a {@link KeySpace}; thread-safe. */
  interface KeyHandle {
    /**
     * @param permits the cost, at least 1
     * @return the decision
     */
    Decision acquire(long permits);

    /**
     * @param permits the cost, at least 1
     * @return whether the permits were taken
     */
    boolean tryAcquire(long permits);
  }
}
