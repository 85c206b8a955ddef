package io.limiter.test;

import io.limiter.core.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
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

  /**
   * Returns a wall clock that reads this ticker as nanoseconds since the Unix epoch, for code that needs
   * {@link java.time.Clock} time in step with the ticker (step schedules): advancing the ticker advances the clock.
   * Start the ticker at an epoch time, e.g.
   * {@code new ManualTicker(epochNanos(Instant.parse("2025-03-30T00:00:00Z")))}.
   *
   * @param zone the clock's zone
   * @return the clock
   */
  public Clock asClock(ZoneId zone) {
    Objects.requireNonNull(zone, "zone");
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return zone;
      }

      @Override
      public Clock withZone(ZoneId other) {
        return asClock(other);
      }

      @Override
      public Instant instant() {
        long n = nanos.get();
        return Instant.ofEpochSecond(Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
      }

      @Override
      public long millis() {
        return Math.floorDiv(nanos.get(), 1_000_000L);
      }

      @Override
      public String toString() {
        return "ManualTicker.asClock{" + instant() + ", " + zone + "}";
      }
    };
  }

  /**
   * Returns the nanoseconds since the epoch of an instant: a starting value for a ticker that doubles as a clock.
   *
   * @param instant the instant
   * @return its nanoseconds since the epoch
   */
  public static long epochNanos(Instant instant) {
    return Math.addExact(Math.multiplyExact(instant.getEpochSecond(), 1_000_000_000L), instant.getNano());
  }

  @Override
  public String toString() {
    return "ManualTicker{" + nanos.get() + "ns}";
  }
}
