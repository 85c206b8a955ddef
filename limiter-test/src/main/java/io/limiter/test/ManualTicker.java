package io.limiter.test;

import io.limiter.core.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link Ticker} that moves only when told to: tests advance it instead of sleeping, so time-dependent behaviour is
 * exact and instant. It may also be moved backwards, to test how code copes with a broken clock. Thread-safe.
 */
public final class ManualTicker implements Ticker {

  private final AtomicLong nanos;

  /** Starts at 0. */
  public ManualTicker() {
    this(0);
  }

  /**
   * @param startNanos the first reading
   */
  public ManualTicker(long startNanos) {
    this.nanos = new AtomicLong(startNanos);
  }

  @Override
  public long read() {
    return nanos.get();
  }

  /**
   * Moves the clock by {@code duration} (backwards if negative).
   *
   * @param duration how far
   * @return this ticker
   */
  public ManualTicker advance(Duration duration) {
    nanos.addAndGet(duration.toNanos());
    return this;
  }

  /**
   * Moves the clock by {@code deltaNanos} (backwards if negative).
   *
   * @param deltaNanos how far
   * @return this ticker
   */
  public ManualTicker advanceNanos(long deltaNanos) {
    nanos.addAndGet(deltaNanos);
    return this;
  }

  /**
   * Sets the clock.
   *
   * @param value the next reading
   * @return this ticker
   */
  public ManualTicker set(long value) {
    nanos.set(value);
    return this;
  }

  @Override
  public String toString() {
    return "ManualTicker{" + nanos.get() + "ns}";
  }
}
