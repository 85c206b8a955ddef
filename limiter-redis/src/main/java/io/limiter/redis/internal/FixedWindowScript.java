package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * Fixed window, as in the in-memory kernel, on the microsecond clock (windows are whole milliseconds, so nothing is
 * rounded). Reply words per limit: the count, and the microseconds until the counted window ends.
 */
final class FixedWindowScript extends LimitScript {

  static final FixedWindowScript INSTANCE = new FixedWindowScript();

  private FixedWindowScript() {
    super("fixed_window.lua", 'f', 3, 2);
  }

  @Override
  long spanMicros(Limit limit) {
    return limit.periodNanos() / 1000; // the end of the counted window
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    args[offset] = Long.toString(limit.periodNanos() / 1000);
    args[offset + 1] = Long.toString(limit.permits());
    args[offset + 2] = Long.toString(permits);
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    if (permits > limit.permits()) {
      return Decision.NEVER;
    }
    if (words[o] + permits <= limit.permits()) {
      return 0;
    }
    return Math.max(1, words[o + 1]) * 1000;
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    return Math.max(0, limit.permits() - words[o]);
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    return words[o] == 0 ? 0 : Math.max(0, words[o + 1]) * 1000;
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    return resetNanos(limit, words, o); // the whole count comes back at the end of the window
  }
}
