package io.limiter.core.internal;

import io.limiter.core.BoundLimiter;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The limiter a {@link io.limiter.core.RateLimiterRegistry} hands out: it decides with the policy's current limiter,
 * which a runtime change replaces in one volatile write, so that every holder of it (annotations, rules, application
 * code) follows the change on its next call. A call decides wholly under one policy (it reads the current limiter
 * once). Bound limiters re-bind on their first call after a change.
 */
public final class ReplaceableRateLimiter implements RateLimiter {

  private volatile RateLimiter current;

  public ReplaceableRateLimiter(RateLimiter initial) {
    this.current = initial;
  }

  /** Replaces the limiter; returns the one it replaced. */
  public RateLimiter replace(RateLimiter next) {
    RateLimiter previous = current;
    current = next;
    return previous;
  }

  @Override
  public LimitPolicy policy() {
    return current.policy();
  }

  @Override
  public boolean tryAcquire(String key, long permits) {
    return current.tryAcquire(key, permits);
  }

  @Override
  public Decision acquire(String key, long permits) {
    return current.acquire(key, permits);
  }

  @Override
  public Decision acquire(String key, long permits, Duration maxWait) throws InterruptedException {
    return current.acquire(key, permits, maxWait);
  }

  @Override
  public CompletableFuture<Decision> acquireAsync(String key, long permits, Duration maxWait) {
    return current.acquireAsync(key, permits, maxWait);
  }

  @Override
  public CompletionStage<Decision> acquireAsync(String key, long permits) {
    return current.acquireAsync(key, permits);
  }

  @Override
  public Decision acquireShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return current.acquireShared(bucket, permits);
  }

  @Override
  public Reservation reserve(String key, long permits) {
    return current.reserve(key, permits);
  }

  @Override
  public Reservation reserveShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return current.reserveShared(bucket, permits);
  }

  @Override
  public Claim claim(String key, long permits) {
    return current.claim(key, permits);
  }

  @Override
  public Claim claimShared(MissingKeyStrategy.SharedBucket bucket, long permits) {
    return current.claimShared(bucket, permits);
  }

  @Override
  public BoundLimiter forKey(String key) {
    RateLimiter limiter = current;
    BoundLimiter first = limiter.forKey(key);
    return new BoundLimiter() {
      private volatile Binding binding = new Binding(limiter, first);

      /** The bound limiter of the current policy; two threads may both re-bind, either result is valid. */
      private BoundLimiter bound() {
        Binding b = binding;
        RateLimiter now = current;
        if (now != b.limiter()) {
          b = new Binding(now, now.forKey(key));
          binding = b;
        }
        return b.bound();
      }

      @Override
      public String key() {
        return first.key();
      }

      @Override
      public LimitPolicy policy() {
        return current.policy();
      }

      @Override
      public boolean tryAcquire(long permits) {
        return bound().tryAcquire(permits);
      }

      @Override
      public Decision acquire(long permits) {
        return bound().acquire(permits);
      }
    };
  }

  @Override
  public String toString() {
    return current.toString();
  }

  private record Binding(RateLimiter limiter, BoundLimiter bound) {
  }
}
