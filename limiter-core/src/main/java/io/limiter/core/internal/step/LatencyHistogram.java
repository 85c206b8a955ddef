package io.limiter.core.internal.step;

import java.util.concurrent.atomic.LongAdder;

/**
 * A fixed-bucket, log-linear histogram of durations for the latency signal: recording is one {@link LongAdder}
 * increment (no allocation once warm, low contention under many threads), and nothing is ever reset, so a recording
 * that races with a snapshot is counted in this interval or the next, never lost.
 *
 * <p>Buckets are in microseconds: 0 to 15 µs one each, then 8 buckets per power of two up to 2^36 µs (19 hours;
 * longer values count in the last bucket), so a bucket's upper bound overestimates any value in it by at most 12.5%.
 * The reader ({@link #snapshot}) is single-threaded: the controller samples under its lock.
 */
public final class LatencyHistogram {

  static final int LINEAR = 16;
  static final int SUB_BUCKETS = 8;
  static final int MAX_EXPONENT = 36;
  static final int BUCKETS = LINEAR + (MAX_EXPONENT - 3) * SUB_BUCKETS;

  private final LongAdder[] counts = new LongAdder[BUCKETS];
  private final long[] previous = new long[BUCKETS];
  private final long[] current = new long[BUCKETS];
  private final long[] interval = new long[BUCKETS];

  public LatencyHistogram() {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] = new LongAdder();
    }
  }

  /** Records one duration. */
  public void record(long nanos) {
    counts[bucket(nanos)].increment();
  }

  public static int bucket(long nanos) {
    long micros = nanos <= 0 ? 0 : nanos / 1000;
    if (micros < LINEAR) {
      return (int) micros;
    }
    int exponent = 63 - Long.numberOfLeadingZeros(micros);
    if (exponent > MAX_EXPONENT) {
      return BUCKETS - 1;
    }
    int sub = (int) (micros >>> (exponent - 3)) & (SUB_BUCKETS - 1);
    return LINEAR + (exponent - 4) * SUB_BUCKETS + sub;
  }

  /** The exclusive upper bound of a bucket, in nanoseconds: what a percentile in it is reported as. */
  public static long upperBoundNanos(int bucket) {
    if (bucket < LINEAR) {
      return (bucket + 1) * 1000L;
    }
    int exponent = 4 + (bucket - LINEAR) / SUB_BUCKETS;
    int sub = (bucket - LINEAR) % SUB_BUCKETS;
    return ((long) (SUB_BUCKETS + 1 + sub) << (exponent - 3)) * 1000L;
  }

  /**
   * Takes the counts recorded since the last {@link #commit()}; read them with {@link #total()} and
   * {@link #percentileNanos(double)}. Until {@link #commit()}, later snapshots keep including these counts, so a
   * window that had too few samples to judge grows into the next interval. Not thread-safe (one reader).
   */
  public void snapshot() {
    for (int i = 0; i < BUCKETS; i++) {
      current[i] = counts[i].sum();
      interval[i] = current[i] - previous[i];
    }
  }

  /** Starts the next window at the last {@link #snapshot()}: what it counted is not counted again. */
  public void commit() {
    System.arraycopy(current, 0, previous, 0, BUCKETS);
  }

  /** Number of durations in the last snapshot. */
  public long total() {
    long total = 0;
    for (long c : interval) {
      total += c;
    }
    return total;
  }

  /**
   * @param boundNanos a latency
   * @return how many durations of the last snapshot are in buckets whose upper bound exceeds it
   */
  public long countAbove(long boundNanos) {
    long n = 0;
    for (int i = 0; i < BUCKETS; i++) {
      if (upperBoundNanos(i) > boundNanos) {
        n += interval[i];
      }
    }
    return n;
  }

  /**
   * The smallest bucket bound that at least {@code percentile}% of the last snapshot's durations are below.
   *
   * @param percentile in (0, 100]
   * @return nanoseconds, or 0 if the snapshot is empty
   */
  public long percentileNanos(double percentile) {
    long total = total();
    if (total == 0) {
      return 0;
    }
    long rank = (long) Math.ceil(percentile / 100 * total);
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += interval[i];
      if (seen >= rank) {
        return upperBoundNanos(i);
      }
    }
    return upperBoundNanos(BUCKETS - 1);
  }

  /** The inclusive lower bound of a bucket, in nanoseconds: the upper bound of the bucket below it. */
  public static long lowerBoundNanos(int bucket) {
    return bucket == 0 ? 0 : upperBoundNanos(bucket - 1);
  }

  /**
   * The {@code percentile}th percentile of the last snapshot's durations, read by linear interpolation inside the
   * bucket that holds it, as if its durations were spread evenly over the bucket: the {@code k}th of its {@code n}
   * durations is read as {@code lower + (upper - lower) * (k - 0.5) / n}. A reading by the bucket's upper bound
   * ({@link #percentileNanos}) overestimates by up to 12.5% (a true 148 ms reads as 164 ms); this one stays in the
   * true value's bucket too, so it is off by at most a bucket's width, but for values spread over the bucket it is
   * off by much less. It never exceeds {@link #percentileNanos}, so an interval within its target by the upper bound
   * is within it by this too.
   *
   * @param percentile in (0, 100]
   * @return nanoseconds, or 0 if the snapshot is empty
   */
  public long interpolatedPercentileNanos(double percentile) {
    long total = total();
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(percentile / 100 * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      long n = interval[i];
      if (seen + n >= rank) {
        long lower = lowerBoundNanos(i);
        long width = upperBoundNanos(i) - lower;
        return lower + Math.round(width * ((rank - seen) - 0.5) / n);
      }
      seen += n;
    }
    return upperBoundNanos(BUCKETS - 1);
  }
}
