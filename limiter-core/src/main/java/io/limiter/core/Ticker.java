package io.limiter.core;

/**
 * A source of monotonic time in nanoseconds, the only clock that Limiter's algorithms read.
 *
 * <p>Implementations must be thread-safe and should be monotonic: a reading must not be smaller than an earlier one.
 * Algorithms tolerate a clock that goes backwards (they never refill because of it; they become stricter until time
 * catches up), but they do not try to correct it. Only differences between readings carry meaning, and every
 * difference the algorithms take must stay within ±2<sup>62</sup> ns (about 146 years).
 *
 * <p>Tests inject {@code io.limiter.test.ManualTicker} from the {@code limiter-test} module instead of sleeping.
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
