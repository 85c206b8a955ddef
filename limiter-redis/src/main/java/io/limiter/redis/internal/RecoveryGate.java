package io.limiter.redis.internal;

import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * Keeps decisions off a failing Redis and brings them back when it answers again. While Redis is healthy every
 * decision passes. The first failure marks it unavailable: from then on decisions go straight to the failure handler
 * (no waiting for a timeout), except one probe at a time, let through once the back-off has elapsed. A probe that
 * succeeds makes Redis available again; one that fails doubles the back-off, up to the maximum.
 *
 * <p>Why this is safe under races: only a probe closes the gate, and only one probe is in flight ({@link #probing}).
 * Answers to requests that were sent before the failure cannot reopen it by mistake. A failure of a request that was
 * let through while available (other threads' in-flight requests) only re-marks the gate unavailable, which it
 * already is.
 */
final class RecoveryGate {

  /** The request may go to Redis; Redis was available. */
  static final int PASS = 0;
  /** The request is the probe; report its outcome. */
  static final int PROBE = 1;
  /** Redis is unavailable; decide without it. */
  static final int SKIP = 2;

  private final long initialBackoffNanos;
  private final long maxBackoffNanos;
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean unavailable;
  private volatile long nextProbeAt;
  /** Written only by the thread that holds {@link #probing} or that marks the gate unavailable. */
  private volatile long backoffNanos;
  private volatile @Nullable Throwable lastFailure;

  RecoveryGate(long initialBackoffNanos, long maxBackoffNanos) {
    this.initialBackoffNanos = initialBackoffNanos;
    this.maxBackoffNanos = maxBackoffNanos;
    this.backoffNanos = initialBackoffNanos;
  }

  /** Decides whether a request at {@code now} goes to Redis: {@link #PASS}, {@link #PROBE} or {@link #SKIP}. */
  int enter(long now) {
    if (!unavailable) {
      return PASS;
    }
    if (now - nextProbeAt >= 0 && probing.compareAndSet(false, true)) {
      return PROBE;
    }
    return SKIP;
  }

  /**
   * Reports that Redis answered.
   *
   * @return whether this answer made Redis available again
   */
  boolean succeeded(int pass) {
    if (pass == PROBE) {
      backoffNanos = initialBackoffNanos;
      unavailable = false;
      probing.set(false);
      return true;
    }
    return false;
  }

  /**
   * Reports that Redis failed.
   *
   * @return whether this failure made Redis unavailable (it was available before)
   */
  boolean failed(int pass, long now, Throwable failure) {
    lastFailure = failure;
    if (pass == PROBE) {
      long backoff = Math.min(maxBackoffNanos, backoffNanos * 2);
      backoffNanos = backoff;
      nextProbeAt = now + backoff;
      probing.set(false);
      return false;
    }
    if (pass == PASS && !unavailable) {
      synchronized (this) {
        if (!unavailable) {
          backoffNanos = initialBackoffNanos;
          nextProbeAt = now + initialBackoffNanos;
          unavailable = true;
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Whether a failure says that Redis cannot be reached or cannot serve any key now, and so may mark it unavailable:
   * a timeout, a lost or refused connection, a closed store, or a server that is loading its data set, failing over
   * ({@code MASTERDOWN}, {@code READONLY} from a demoted master, {@code CLUSTERDOWN}, {@code TRYAGAIN}) or busy with
   * a script. Anything else Redis answers ({@code WRONGTYPE}, {@code OOM}, a script error) concerns one call.
   *
   * @param failure the failure of a call
   * @return whether it is connection-level
   */
  static boolean isConnectionFailure(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof io.lettuce.core.RedisCommandTimeoutException
        || t instanceof io.lettuce.core.RedisConnectionException
        || t instanceof io.lettuce.core.RedisLoadingException
        || t instanceof io.lettuce.core.RedisBusyException
        || t instanceof java.util.concurrent.TimeoutException
        || t instanceof java.io.IOException
        || t instanceof java.util.concurrent.CancellationException
        || t instanceof InterruptedException) {
      return true;
    }
    if (t instanceof io.lettuce.core.RedisCommandExecutionException) {
      String message = t.getMessage() == null ? "" : t.getMessage();
      for (String code : SERVER_UNAVAILABLE) {
        if (message.startsWith(code)) {
          return true;
        }
      }
      // a script whose write a demoted primary (now a read-only replica) refused: Redis wraps the READONLY error
      // in the script error; every key fails there the same way
      return message.contains("-READONLY ") || message.contains(" READONLY You can't write");
    }
    if (t instanceof io.lettuce.core.RedisException) {
      // Lettuce's own client-side failures: connection closed, not connected, reconnecting
      return true;
    }
    return false;
  }

  /** Error codes with which a reachable server refuses every key for now (loading, failover, cluster down). */
  private static final String[] SERVER_UNAVAILABLE = {"LOADING", "MASTERDOWN", "READONLY", "CLUSTERDOWN",
      "TRYAGAIN", "BUSY", "NOREPLICAS", "NOAUTH", "WRONGPASS"};

  /**
   * Reports that a new connection is up (the store was started while Redis did not answer): decisions go to Redis
   * at once instead of after the next probe's back-off.
   *
   * @return whether this made Redis available again
   */
  synchronized boolean connected() {
    if (!unavailable) {
      return false;
    }
    backoffNanos = initialBackoffNanos;
    unavailable = false;
    return true;
  }

  boolean available() {
    return !unavailable;
  }

  @Nullable Throwable lastFailure() {
    return lastFailure;
  }
}
