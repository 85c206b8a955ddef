package io.limiter.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A source of monotonic time in nanoseconds, the only clock that Limiter's algorithms read.
 *
 * <p>Implementations must be thread-safe and should be monotonic: a reading must not be smaller than an earlier one.
 * Algorithms tolerate a clock that goes backwards (they never refill because of it; they become stricter until time
 * catches up), but they do not try to correct it. Only differences between readings carry meaning, and every
 * difference the algorithms take must stay within ±2<sup>62</sup> ns (about 146 years).
 *
 * <p>Tests inject a {@link #manual() manual ticker} instead of sleeping (the {@code limiter-test} module's
 * {@code io.limiter.test.ManualTicker} is the same clock, under the name the store contract takes).
 */
@FunctionalInterface
public interface Ticker {

  /**
   * Returns the current time in nanoseconds.
   *
   * @return nanoseconds since an arbitrary, fixed origin
   */
  long read();

  /**
   * Returns the system ticker: {@link System#nanoTime()} shifted once, at class initialization, so that its readings
   * are close to nanoseconds since the Unix epoch. It stays monotonic (the shift is constant), and the shift makes
   * fixed windows of a second, minute, hour or day start on the UTC clock boundaries, as they do in the Redis store.
   *
   * @return the shared system ticker
   */
  static Ticker system() {
    return SystemTicker.INSTANCE;
  }

  /**
   * Returns a new {@link Manual manual ticker} that reads 0 until it is moved.
   *
   * @return the ticker
   */
  static Manual manual() {
    return new Manual(0);
  }

  /**
   * Returns a new {@link Manual manual ticker} that reads {@code startNanos} until it is moved.
   *
   * @param startNanos the first reading
   * @return the ticker
   */
  static Manual manual(long startNanos) {
    return new Manual(startNanos);
  }

  /**
   * A ticker that moves only when told to, as {@link Clock#fixed} and {@link Clock#offset} are clocks for tests: tests
   * and simulations advance it instead of sleeping, so time-dependent behaviour is exact and instant. It may also be
   * moved backwards, to test how code copes with a broken clock. Thread-safe: the reading is one atomic long.
   *
   * <p>Open only so that the test kit's {@code io.limiter.test.ManualTicker} can be this clock under its own name
   * (store contracts take that type); it narrows the return types of the moving methods and changes nothing else.
   */
  class Manual implements Ticker {

    private final AtomicLong nanos;

    /**
     * @param startNanos the first reading
     */
    protected Manual(long startNanos) {
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
    public Manual advance(Duration duration) {
      nanos.addAndGet(duration.toNanos());
      return this;
    }

    /**
     * Moves the clock by {@code deltaNanos} (backwards if negative).
     *
     * @param deltaNanos how far
     * @return this ticker
     */
    public Manual advanceNanos(long deltaNanos) {
      nanos.addAndGet(deltaNanos);
      return this;
    }

    /**
     * Sets the clock.
     *
     * @param value the next reading
     * @return this ticker
     */
    public Manual set(long value) {
      nanos.set(value);
      return this;
    }

    /**
     * Returns a wall clock that reads this ticker as nanoseconds since the Unix epoch, for code that needs
     * {@link Clock} time in step with the ticker (step schedules): advancing the ticker advances the clock. Start the
     * ticker at an epoch time, e.g. {@code Ticker.manual(Manual.epochNanos(Instant.parse("2025-03-30T00:00:00Z")))}.
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
}

/** Holds the one shift so that {@link Ticker#system()} costs exactly one {@code nanoTime()} call and an add. */
enum SystemTicker implements Ticker {
  INSTANCE;

  private static final long EPOCH_OFFSET = System.currentTimeMillis() * 1_000_000L - System.nanoTime();

  @Override
  public long read() {
    return System.nanoTime() + EPOCH_OFFSET;
  }
}
