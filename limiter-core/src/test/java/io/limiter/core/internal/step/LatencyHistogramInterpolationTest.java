package io.limiter.core.internal.step;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The latency histogram's interpolated percentile ({@code percentiles=interpolated}) against its upper-bound reading
 * and against the exact percentile of the recorded values.
 */
class LatencyHistogramInterpolationTest {

  private static final long MS = 1_000_000L;

  @Test
  void aP95JustUnderTheTargetReadsUnderItInterpolatedAndOverItByTheUpperBound() {
    LatencyHistogram h = new LatencyHistogram();
    // 100 calls of 100.5, 101, ..., 150 ms: the 95th (nearest rank) is 147.5 ms
    for (int i = 1; i <= 100; i++) {
      h.record(100 * MS + i * MS / 2);
    }
    h.snapshot();
    assertThat(h.percentileNanos(95)).as("upper bound of the bucket [147.456, 163.84) ms").isEqualTo(163_840_000L);
    // the 95th is the first of the bucket's 6 calls (147.5 .. 150 ms): 147.456 + 16.384 * 0.5 / 6
    assertThat(h.interpolatedPercentileNanos(95)).isEqualTo(147_456_000L + Math.round(16_384_000 * 0.5 / 6));
    assertThat(h.interpolatedPercentileNanos(95)).isBetween(147 * MS, 150 * MS);
  }

  @Test
  void anEmptySnapshotIsZeroAndTheBucketsJoinWithoutGaps() {
    LatencyHistogram h = new LatencyHistogram();
    h.snapshot();
    assertThat(h.interpolatedPercentileNanos(95)).isZero();
    for (int b = 1; b < LatencyHistogram.BUCKETS; b++) {
      assertThat(LatencyHistogram.lowerBoundNanos(b)).isEqualTo(LatencyHistogram.upperBoundNanos(b - 1));
      assertThat(LatencyHistogram.lowerBoundNanos(b)).isLessThan(LatencyHistogram.upperBoundNanos(b));
    }
    assertThat(LatencyHistogram.lowerBoundNanos(0)).isZero();
  }

  @Test
  void onlyTheCountsSinceTheLastCommitAreRead() {
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < 50; i++) {
      h.record(900 * MS);
    }
    h.snapshot();
    h.commit();
    for (int i = 0; i < 50; i++) {
      h.record(10 * MS);
    }
    h.snapshot();
    assertThat(h.interpolatedPercentileNanos(95)).isBetween(8 * MS, 11 * MS);
  }

  /**
   * For any values and percentile: never above the upper-bound reading, never below the lower bound of the bucket
   * that holds the exact percentile (nearest rank), so within one bucket's width (at most 12.5%) of the exact value.
   */
  @Property(tries = 300)
  void neverAboveTheUpperBoundReadingAndInTheExactPercentilesBucket(
      @ForAll @Size(min = 1, max = 300) long[] raw, @ForAll @DoubleRange(min = 1, max = 100) double percentile,
      @ForAll @LongRange(min = 1, max = 4_000_000_000L) long scale) {
    LatencyHistogram h = new LatencyHistogram();
    long[] values = new long[raw.length];
    for (int i = 0; i < raw.length; i++) {
      values[i] = Math.floorMod(raw[i], scale);
      h.record(values[i]);
    }
    h.snapshot();
    Arrays.sort(values);
    long exact = values[(int) Math.max(0, Math.ceil(percentile / 100 * values.length) - 1)];
    int bucket = LatencyHistogram.bucket(exact);
    long read = h.interpolatedPercentileNanos(percentile);
    assertThat(read).isLessThanOrEqualTo(h.percentileNanos(percentile));
    assertThat(read).isBetween(LatencyHistogram.lowerBoundNanos(bucket), LatencyHistogram.upperBoundNanos(bucket));
  }
}
