package io.limiter.core.internal;

import io.limiter.core.BoundLimiter;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.Pacer;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.core.ScheduledPermits;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * A policy bound to its key space. Without a listener and outside shadow mode, {@code tryAcquire} goes straight to
 * the store's allocation-free path; otherwise every call builds a {@link Decision} to report.
 */
public final class DefaultRateLimiter implements RateLimiter {

  private static final System.Logger LOG = System.getLogger(RateLimiter.class.getName());

  private final LimitPolicy policy;
  private final KeySpace space;
  private final RateLimitStore store;
  private final @Nullable RateLimitListener listener;
  private final boolean plain;
  private final @Nullable Pacer pacer;

  public DefaultRateLimiter(LimitPolicy policy, RateLimitStore store, @Nullable RateLimitListener listener) {
    this(policy, store, listener, null);
  }

  /** @param pacer how waiting calls wait; null for {@link Pacer#system()}, created on the first waiting call */
  public DefaultRateLimiter(LimitPolicy policy, RateLimitStore store, @Nullable RateLimitListener listener,
      @Nullable Pacer pacer) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.store = Objects.requireNonNull(store, "store");
    this.space = store.keySpace(policy);
    this.listener = listener;
    this.plain = listener == null && !policy.shadow();
    this.pacer = pacer;
  }

  private Pacer pacer() {
    return pacer != null ? pacer : Pacer.system();
  }

  @Override
  public Decision acquire(String key, long permits, Duration maxWait) throws InterruptedException {
    String canonical = KeyNormalizer.canonical(key);
    long maxWaitNanos = waitNanos(maxWait);
    if (maxWaitNanos == 0) {
      return complete(canonical, space.acquire(canonical, permits));
    }
    Pacer p = pacer();
    ScheduledPermits slot = space.schedule(canonical, permits, maxWaitNanos);
    if (slot.granted() && slot.waitNanos() > 0) {
      // read after the store answered: a remote store decided at or before this reading, so the slot is never early
      long deadline = p.ticker().read() + slot.waitNanos();
      try {
        p.awaitUntil(deadline);
      } catch (InterruptedException e) {
        slot.cancel();
        throw e;
      }
    }
    return complete(canonical, slot.decision());
  }

  @Override
  public CompletableFuture<Decision> acquireAsync(String key, long permits, Duration maxWait) {
    String canonical;
    long maxWaitNanos;
    ScheduledPermits slot;
    try {
      canonical = KeyNormalizer.canonical(key);
      maxWaitNanos = waitNanos(maxWait);
      if (maxWaitNanos == 0) {
        return acquireAsync(key, permits).toCompletableFuture();
      }
      slot = space.schedule(canonical, permits, maxWaitNanos);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!slot.granted() || slot.waitNanos() == 0) {
      return CompletableFuture.completedFuture(complete(canonical, slot.decision()));
    }
    Pacer p = pacer();
    CompletableFuture<Decision> future = new CompletableFuture<>();
    future.whenComplete((d, e) -> {
      if (e instanceof CancellationException) {
        slot.cancel(); // cancelled before the slot came
      }
    });
    p.runAt(p.ticker().read() + slot.waitNanos(), () -> {
      if (!future.isDone()) {
        try {
          future.complete(complete(canonical, slot.decision()));
        } catch (RuntimeException e) {
          future.completeExceptionally(e);
        }
      }
    });
    return future;
  }

  private long waitNanos(Duration maxWait) {
    if (maxWait.isNegative()) {
      throw new IllegalArgumentException("maxWait must not be negative but was " + maxWait);
    }
    if (maxWait.isZero()) {
      return 0;
    }
    KeySpace.requireWaitable(policy);
    return maxWait.compareTo(Duration.ofDays(365 * 100)) > 0 ? Long.MAX_VALUE : maxWait.toNanos();
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

  @Override
  public Claim claim(String key, long permits) {
    return claimStored(KeyNormalizer.canonical(key), permits);
  }

  @Override
  public Claim claimShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return claimStored(bucket.key(), permits);
  }

  private Claim claimStored(String stored, long permits) {
    Claim claim = Claim.of(store, space, stored, permits).soft(policy.shadow());
    return plain ? claim : claim.completedBy(r -> complete(stored, r));
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
  public static Decision complete(LimitPolicy policy, @Nullable RateLimitListener listener, String key,
      Decision decision) {
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
      } catch (Exception e) { // also a checked one a Kotlin listener throws: it would escape a claim's refunds
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
