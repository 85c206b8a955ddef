package io.limiter.redis.internal;

import io.limiter.core.Limit;
import org.jspecify.annotations.Nullable;

/**
 * A token bucket policy with a limit that {@link Limit#withWarmup warms up}: the in-memory {@code WarmGcraKernel} on
 * Redis ({@code warm.lua}'s arithmetic in the token bucket's own scripts, {@code token_bucket.lua}, {@code pace.lua}
 * and {@code settle.lua}, which tell the two kinds of policy apart by the state tag's letter). Such
 * a policy keeps four state words per limit (GCRA's {@code tat} and how cold the bucket is), under a state tag of its
 * own letter ({@code w}) and the periods and warm-ups of its limits, so state of a policy without a warm-up (two words
 * per limit, letter {@code g}) is never read as its own. The script repeats the kernel's double arithmetic operation
 * for operation, with its constants (threshold, most stored permits, slope, cool-down interval) computed here as the
 * kernel computes them, so that Redis decides as memory does. Replies carry the same debts as the token bucket's, so
 * remaining, retry-after, reset and refill are {@link TokenBucketScript}'s (on the rounded interval a warm limit
 * decides on). Immutable and thread-safe.
 *
 * <p>A warm limit's arithmetic is exact in nanoseconds relative to the clock reading: its debt read clamped at
 * {@code 3·B·T}, plus its warm-up, must stay within 2^52 ns (about 52 days); {@link #unsupported} refuses others.
 */
final class WarmBucketScript extends LimitScript {

  static final WarmBucketScript INSTANCE = new WarmBucketScript("token_bucket.lua");
  /** Reserves a future slot ({@link TokenBucketScript#PACE}'s script, on this state and these arguments). */
  static final WarmBucketScript PACE = new WarmBucketScript("pace.lua");

  /** Arguments per limit: the token bucket's five, then nine of the warm-up (see {@code warm.lua}). */
  static final int ARGS = 14;
  /** State words per limit: {@code tat} and {@code v}, each as microseconds and rest. */
  static final int STATE_WORDS = 4;

  /** Guava's cold factor, as WarmGcraKernel's. */
  private static final double COLD_FACTOR = 3.0;
  /** Warm arithmetic stays below this many nanoseconds from the clock reading (exact in Lua's doubles). */
  private static final long MAX_WARM_NANOS = 1L << 52;

  private static final TokenBucketScript TOKEN_BUCKET = TokenBucketScript.INSTANCE;

  private WarmBucketScript(String body) {
    super('w', ARGS, 2, "prelude.lua", "state.lua", "warm.lua", body);
  }

  /** @return whether a policy of these limits is decided by this script rather than the plain token bucket's */
  static boolean needed(Iterable<Limit> limits) {
    for (Limit limit : limits) {
      if (limit.hasWarmup()) {
        return true;
      }
    }
    return false;
  }

  @Override
  long spanMicros(Limit limit) {
    return limit.hasWarmup() ? readCapNanos(limit) / 1000 + limit.warmupNanos() / 1000 + 1
        : TOKEN_BUCKET.spanMicros(limit);
  }

  @Override
  @Nullable String unsupported(Limit limit) {
    if (limit.hasWarmup()) {
      long burst = limit.burstPeriodNanos();
      if (burst > MAX_WARM_NANOS / 4 || 3 * burst + limit.warmupNanos() > MAX_WARM_NANOS) {
        return "limit " + limit + " warms up with three times its burst period plus its warm-up beyond " + MAX_WARM_NANOS
            + " ns (about 52 days), more than the Redis scripts compute exactly in Lua's doubles";
      }
    }
    return super.unsupported(limit);
  }

  /** The most a warm limit's debt is read as, {@code c·B·T} (WarmGcraKernel's cap); {@code B·T} otherwise. */
  private static long readCapNanos(Limit limit) {
    long burst = limit.burstPeriodNanos();
    return limit.hasWarmup() ? 3 * burst : burst;
  }

  @Override
  void limitArgs(Limit limit, long permits, String[] args, int offset) {
    TOKEN_BUCKET.limitArgs(limit, permits, args, offset);
    if (!limit.hasWarmup()) {
      for (int i = 5; i < 12; i++) {
        args[offset + i] = "0";
      }
      args[offset + 12] = args[offset + 2];
      args[offset + 13] = args[offset + 3];
      return;
    }
    // the constants as WarmGcraKernel computes them, in the same order of operations; Double.toString round-trips
    long interval = limit.emissionIntervalNanos();
    long warmup = limit.warmupNanos();
    double stable = interval;
    double cold = stable * COLD_FACTOR;
    double threshold = 0.5 * warmup / stable;
    double maxStored = threshold + 2.0 * warmup / (stable + cold);
    double slope = (cold - stable) / (maxStored - threshold);
    double coolDown = warmup / maxStored;
    args[offset + 5] = Long.toString(warmup);
    args[offset + 6] = permits > limit.burst() ? "-1" : Long.toString(permits);
    args[offset + 7] = Long.toString(interval);
    args[offset + 8] = Double.toString(threshold);
    args[offset + 9] = Double.toString(maxStored);
    args[offset + 10] = Double.toString(slope);
    args[offset + 11] = Double.toString(coolDown);
    long cap = readCapNanos(limit);
    args[offset + 12] = Long.toString(cap / 1000);
    args[offset + 13] = Long.toString(cap % 1000);
  }

  @Override
  long waitNanos(Limit limit, long permits, long[] words, int o) {
    return TOKEN_BUCKET.waitNanos(limit, permits, words, o);
  }

  @Override
  long remaining(Limit limit, long[] words, int o) {
    return TOKEN_BUCKET.remaining(limit, words, o);
  }

  @Override
  long resetNanos(Limit limit, long[] words, int o) {
    return TOKEN_BUCKET.resetNanos(limit, words, o);
  }

  @Override
  long refillNanos(Limit limit, long[] words, int o) {
    return TOKEN_BUCKET.refillNanos(limit, words, o);
  }
}
