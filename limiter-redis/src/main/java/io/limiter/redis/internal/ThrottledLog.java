package io.limiter.redis.internal;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One kind of log line, written at most once per interval: events in between are counted and the next line says how
 * many there were. Used for the store's state changes (Redis lost, Redis back) and per-key errors, which an
 * intermittent failure or a hot bad key would otherwise repeat many times a second. Thread-safe: the first caller
 * after the interval wins a compare-and-set and logs; the others only count.
 */
final class ThrottledLog {

  private final Logger logger;
  private final Level level;
  private final long intervalNanos;
  private final String intervalText;
  private final AtomicLong nextAt = new AtomicLong();
  private final AtomicLong suppressed = new AtomicLong();
  private volatile boolean started;

  ThrottledLog(Logger logger, Level level, Duration interval) {
    this.logger = logger;
    this.level = level;
    this.intervalNanos = interval.toNanos();
    this.intervalText = interval.toString();
  }

  /**
   * Logs {@code message} unless a line of this kind was logged less than the interval ago.
   *
   * @param now the local clock, in nanoseconds
   * @param message the line
   * @param failure the cause to log with it, or null
   * @return whether the line was logged
   */
  boolean log(long now, String message, @Nullable Throwable failure) {
    long next = nextAt.get();
    if ((started && now - next < 0) || !nextAt.compareAndSet(next, now + intervalNanos)) {
      suppressed.incrementAndGet();
      return false;
    }
    started = true;
    long skipped = suppressed.getAndSet(0);
    String line = skipped == 0 ? message
        : message + " (" + skipped + " more like this not logged; at most one line per " + intervalText + ")";
    if (failure != null) {
      logger.log(level, line, failure);
    } else {
      logger.log(level, line);
    }
    return true;
  }
}
