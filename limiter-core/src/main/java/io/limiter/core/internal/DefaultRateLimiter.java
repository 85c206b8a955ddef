package io.limiter.core.internal;

import io.limiter.core.BoundLimiter;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.lang.System.Logger.Level;
import java.util.Objects;
import java.util.concurrent.CompletionStage;

/**
 * A policy bound to its key space. Without a listener and outside shadow mode, {@code tryAcquire} goes straight to
 * the store's allocation-free path; otherwise every call builds a {@link Decision} to report.
 */
public final class DefaultRateLimiter implements RateLimiter {

  private static final System.Logger LOG = System.getLogger(RateLimiter.class.getName());

  private final LimitPolicy policy;
  private final KeySpace space;
  private final RateLimitListener listener;
  private final boolean plain;

  public DefaultRateLimiter(LimitPolicy policy, RateLimitStore store, RateLimitListener listener) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.space = Objects.requireNonNull(store, "store").keySpace(policy);
    this.listener = listener;
    this.plain = listener == null && !policy.shadow();
  }

  @Override
  public LimitPolicy policy() {
    return policy;
  }

  @Override
  public boolean tryAcquire(String key, long permits) {
    String canonical = KeyNormalizer.canonical(key);
    if (plain) {
      return space.tryAcquire(canonical, permits);
    }
    return complete(canonical, space.acquire(canonical, permits)).allowed();
  }

  @Override
  public Decision acquire(String key, long permits) {
    String canonical = KeyNormalizer.canonical(key);
    return complete(canonical, space.acquire(canonical, permits));
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits) {
    String canonical = KeyNormalizer.canonical(key);
    return space.acquireAsync(canonical, permits).thenApply(decision -> complete(canonical, decision));
  }

  @Override
  public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    String stored = bucket.key();
    return complete(stored, space.acquire(stored, permits));
  }

  @Override
  public Reservation reserve(String key, long permits) {
    String canonical = KeyNormalizer.canonical(key);
    return complete(canonical, space.reserve(canonical, permits));
  }

  @Override
  public Reservation reserveShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    String stored = bucket.key();
    return complete(stored, space.reserve(stored, permits));
  }

  private Reservation complete(String key, Reservation reservation) {
    return reservation.withDecision(complete(key, reservation.decision()));
  }

  @Override
  public BoundLimiter forKey(String key) {
    String canonical = KeyNormalizer.canonical(key);
    return new Bound(canonical, space.handle(canonical));
  }

  /** Applies shadow mode and reports to the listener. */
  Decision complete(String key, Decision decision) {
    return complete(policy, listener, key, decision);
  }

  /** Applies a policy's shadow mode and reports to a listener (or none); shared with the stepped limiter. */
  public static Decision complete(LimitPolicy policy, RateLimitListener listener, String key, Decision decision) {
    if (decision.rejected() && policy.shadow()) {
      decision = decision.asShadow();
    }
    if (listener != null) {
      try {
        if (decision.outcome() == Decision.Outcome.ALLOWED) {
          listener.onAllowed(key, decision);
        } else {
          listener.onRejected(key, decision);
        }
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "rate limit listener failed for policy " + policy.name(), e);
      }
    }
    return decision;
  }

  @Override
  public String toString() {
    return "RateLimiter{" + policy + "}";
  }

  private final class Bound implements BoundLimiter {
    private final String key;
    private final KeySpace.KeyHandle handle;

    Bound(String key, KeySpace.KeyHandle handle) {
      this.key = key;
      this.handle = handle;
    }

    @Override
    public String key() {
      return key;
    }

    @Override
    public LimitPolicy policy() {
      return policy;
    }

    @Override
    public boolean tryAcquire(long permits) {
      if (plain) {
        return handle.tryAcquire(permits);
      }
      return complete(key, handle.acquire(permits)).allowed();
    }

    @Override
    public Decision acquire(long permits) {
      return complete(key, handle.acquire(permits));
    }
  }
}
