package io.limiter.redis.internal;

import io.lettuce.core.RedisCommandTimeoutException;
import io.netty.util.Timeout;
import io.netty.util.Timer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The reply of a script call, or of one request in a coalesced call, bounded by the command timeout: completing it
 * with a {@link TimeoutException} (a waiting caller gave up, or its timer fired) completes it with a
 * {@link RedisCommandTimeoutException} instead and lets the subclass drop what is still pending. A timer set by
 * {@link #expireAfter} is cancelled when the reply completes, so answered calls leave no timer task behind.
 * Thread-safe.
 */
abstract class TimedReply extends CompletableFuture<List<Object>> {

  private final String timeoutText;
  private volatile @Nullable Timeout timer;

  TimedReply(String timeoutText) {
    this.timeoutText = timeoutText;
  }

  /** Fails this reply with a timeout after {@code nanos} unless it completes first; the timer is then cancelled. */
  final void expireAfter(Timer wheel, long nanos) {
    if (isDone()) {
      return;
    }
    Timeout t;
    try {
      t = wheel.newTimeout(x -> completeExceptionally(new TimeoutException()), nanos, TimeUnit.NANOSECONDS);
    } catch (IllegalStateException stopped) { // the store was closed: nothing would answer or expire this reply
      completeExceptionally(new TimeoutException());
      return;
    }
    timer = t;
    if (isDone()) { // completed meanwhile: its completion may not have seen the timer
      t.cancel();
    }
  }

  private void cancelTimer() {
    Timeout t = timer;
    if (t != null) {
      t.cancel();
    }
  }

  @Override
  public boolean complete(@Nullable List<Object> value) {
    boolean completed = super.complete(value);
    cancelTimer();
    return completed;
  }

  @Override
  public boolean completeExceptionally(Throwable error) {
    if (!(error instanceof TimeoutException)) {
      boolean completed = super.completeExceptionally(error);
      cancelTimer();
      return completed;
    }
    boolean completed = super.completeExceptionally(new RedisCommandTimeoutException(timeoutText));
    cancelTimer();
    if (completed) {
      timedOut(); // only after completing: what it cancels may complete back into this reply, which must be done
    }
    return completed;
  }

  /** Called once when this reply timed out: drop whatever would still answer it. */
  abstract void timedOut();
}
