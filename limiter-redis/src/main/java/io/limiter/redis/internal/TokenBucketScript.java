package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.Limit;

/**
 * GCRA, as in the in-memory kernel, in nanoseconds: the script keeps each {@code tat} as microseconds plus a
 * nanosecond rest, so emission intervals that are not whole microseconds (7/minute: 8,571,428,572 ns) and rates
 * faster than one per microsecond (10^9/second) decide exactly as they do locally. Reply words per limit: the debt
 * {@code max(tat, now) - now} as microseconds and nanosecond rest.
 */
final class TokenBucketScript extends LimitScript {

  /** Any number of limits. */
  static final TokenBucketScript INSTANCE = new TokenBucketScript("token_bucket.lua", true);
  /** Exactly one limit, the most common policy: the same state and reply from a leaner script. */
  static final TokenBucketScript SINGLE = new TokenBucketScript("token_bucket_single.lua", false);

  private TokenBucketScript(String body, boolean withStateHelpers) {
    super(body, withStateHelpers, 'g', 4, 2);
  }

  @Override
  long spanMicros(Limit limit) {
    return limit.burstPeriodNanos() / 1000 + 1;
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    if (permits > limit.burst()) {
      args[offset] = "-1";
      args[offset + 1] = "0";
    } else {
      long increment = permits * limit.emissionIntervalNanos(); // <= burst period < 2^62
      args[offset] = Long.toString(increment / 1000);
      args[offset + 1] = Long.toString(increment % 1000);
    }
    long capacity = limit.burstPeriodNanos();
    args[offset + 2] = Long.toString(capacity / 1000);
    args[offset + 3] = Long.toString(capacity % 1000);
  }

  private static long debt(long[] words, int o) {
    return words[o] * 1000 + words[o + 1];
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    if (permits > limit.burst()) {
      return Decision.NEVER;
    }
    // debt and increment are each at most the burst period (< 2^62 - checked by unsupported), so no overflow
    long excess = debt(words, o) + permits * limit.emissionIntervalNanos() - limit.burstPeriodNanos();
    return ceilMicros(excess);
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    long debt = debt(words, o);
    long capacity = limit.burstPeriodNanos();
    return debt >= capacity ? 0 : (capacity - debt) / limit.emissionIntervalNanos();
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    return ceilMicros(debt(words, o));
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    long debt = debt(words, o);
    if (debt <= 0) {
      return 0;
    }
    long interval = limit.emissionIntervalNanos();
    // the next permit arrives when the debt falls to B - (remaining + 1)·T
    return ceilMicros(debt - limit.burstPeriodNanos() + (remaining(limit, words, o) + 1) * interval);
  }
}
