package io.limiter.test;

import io.limiter.core.Ticker;
import java.time.Duration;

/**
 * The test kit's fake clock: a {@link Ticker} that moves only when told to, so tests advance it instead of sleeping
 * (also backwards, to test a broken clock). Thread-safe.
 *
 * <p>It is core's {@link Ticker.Manual}, which has the implementation (also {@link #asClock} and {@link #epochNanos}),
 * so that core's own tests use the same clock without depending on this module; this class gives it the name that
 * {@link RateLimitStoreContract}'s {@code createStore(ManualTicker)} takes, and only narrows the return types of the
 * moving methods.
 */
public final class ManualTicker extends Ticker.Manual {

  /** Starts at 0. */
  public ManualTicker() {
    this(0);
  }

  /**
   * @param startNanos the first reading
   */
  public ManualTicker(long startNanos) {
    super(startNanos);
  }

  @Override
  public ManualTicker advance(Duration duration) {
    super.advance(duration);
    return this;
  }

  @Override
  public ManualTicker advanceNanos(long deltaNanos) {
    super.advanceNanos(deltaNanos);
    return this;
  }

  @Override
  public ManualTicker set(long value) {
    super.set(value);
    return this;
  }
}
