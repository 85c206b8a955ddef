package com.google.common.util.concurrent;

import java.util.concurrent.TimeUnit;

/**
 * Guava's own {@code SmoothWarmingUp} limiter on a clock the test moves: its package-private factory
 * {@code RateLimiter.create(rate, warmup, unit, coldFactor, stopwatch)} (the one Guava's tests use) with a stopwatch
 * whose sleep advances the clock, so the limiter's admitted times are Guava's exact arithmetic, not a machine's
 * scheduling. This class sits in Guava's package for that factory; test code only.
 */
public final class GuavaOnManualClock {

  private long micros;
  private final RateLimiter limiter;

  /**
   * @param permitsPerSecond the stable rate
   * @param warmupMillis the warm-up period
   */
  public GuavaOnManualClock(double permitsPerSecond, long warmupMillis) {
    RateLimiter.SleepingStopwatch stopwatch = new RateLimiter.SleepingStopwatch() {
      @Override
      protected long readMicros() {
        return micros;
      }

      @Override
      protected void sleepMicrosUninterruptibly(long sleep) {
        if (sleep > 0) {
          micros += sleep;
        }
      }
    };
    this.limiter = RateLimiter.create(permitsPerSecond, warmupMillis, TimeUnit.MILLISECONDS, 3.0, stopwatch);
  }

  /**
   * Lets a caller arrive at {@code arrivalMicros} (or now, if the clock is past it) and block in {@code acquire}.
   *
   * @param arrivalMicros the arrival
   * @param permits the permits
   * @return the time the caller was admitted, microseconds
   */
  public long acquireAt(long arrivalMicros, int permits) {
    micros = Math.max(micros, arrivalMicros);
    limiter.acquire(permits);
    return micros;
  }
}
