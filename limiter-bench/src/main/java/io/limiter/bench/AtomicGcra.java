package io.limiter.bench;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The physical reference: the whole GCRA token bucket as one {@link AtomicLong} holding the theoretical arrival time
 * ({@code tat}), one {@code nanoTime()} read and one CAS per admitted request. Nothing a real limiter does (keys,
 * policies, decisions, saturation, clock skew) is here, so no limiter can be expected to beat it by much.
 *
 * <p>Thread-safe: the only state is the atomic {@code tat}.
 */
public final class AtomicGcra {

  private final AtomicLong tat;
  private final long interval;
  private final long tolerance;

  /**
   * @param permits permits per {@code periodNanos}
   * @param periodNanos the period
   * @param burst the bucket capacity
   */
  public AtomicGcra(long permits, long periodNanos, long burst) {
    this.interval = Math.max(1, periodNanos / permits);
    this.tolerance = burst * interval;
    this.tat = new AtomicLong(System.nanoTime()); // a full bucket
  }

  /** @return whether one permit was taken */
  public boolean tryAcquire() {
    long now = System.nanoTime();
    for (;;) {
      long current = tat.get();
      long next = Math.max(current, now) + interval;
      if (next - now > tolerance) {
        return false;
      }
      if (tat.compareAndSet(current, next)) {
        return true;
      }
    }
  }
}
