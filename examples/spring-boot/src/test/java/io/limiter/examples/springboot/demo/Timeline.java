package io.limiter.examples.springboot.demo;

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Per-second counters of a demo run: requests offered, admitted (200), rejected (429), failed (anything else or no
 * answer), dropped by the client's concurrency bound; the latencies of the admitted ones; the controller's level.
 * Requests count in the second they were sent; responses in the second they arrived. Thread-safe: counters are
 * atomic, each second's latencies are guarded by their own monitor, levels by the timeline's.
 */
public final class Timeline {

  /**
   * One second of the timeline.
   *
   * @param second seconds since the start
   * @param offered requests offered
   * @param admitted 200 answers
   * @param rejected 429 answers
   * @param failed other answers and failures
   * @param dropped requests the client did not send for its concurrency bound
   * @param p95Millis the 95th percentile latency of the admitted requests, NaN if none
   * @param level the controller's level
   * @param factor the level's factor
   * @param limitRps the limit in force, requests per second
   */
  public record Row(int second, long offered, long admitted, long rejected, long failed, long dropped, double p95Millis,
      int level, double factor, double limitRps) {
  }

  private final int seconds;
  private final AtomicLongArray offered;
  private final AtomicLongArray admitted;
  private final AtomicLongArray rejected;
  private final AtomicLongArray failed;
  private final AtomicLongArray dropped;
  private final Latencies[] latencies;
  private final int[] levels;
  private final double[] factors;

  Timeline(int seconds) {
    this.seconds = seconds;
    offered = new AtomicLongArray(seconds);
    admitted = new AtomicLongArray(seconds);
    rejected = new AtomicLongArray(seconds);
    failed = new AtomicLongArray(seconds);
    dropped = new AtomicLongArray(seconds);
    latencies = new Latencies[seconds];
    levels = new int[seconds];
    factors = new double[seconds];
    Arrays.fill(factors, Double.NaN);
    for (int i = 0; i < seconds; i++) {
      latencies[i] = new Latencies();
    }
  }

  /** The latencies of one second; appended by the client's threads. */
  private static final class Latencies {
    private long[] values = new long[64];
    private int count;

    synchronized void add(long nanos) {
      if (count == values.length) {
        values = Arrays.copyOf(values, count * 2);
      }
      values[count++] = nanos;
    }

    synchronized double percentile(double p) {
      if (count == 0) {
        return Double.NaN;
      }
      long[] sorted = Arrays.copyOf(values, count);
      Arrays.sort(sorted);
      return sorted[Math.max(0, (int) Math.ceil(p * count) - 1)];
    }
  }

  private boolean in(int second) {
    return second >= 0 && second < seconds;
  }

  void offered(int second) {
    if (in(second)) {
      offered.incrementAndGet(second);
    }
  }

  void dropped(int second) {
    if (in(second)) {
      dropped.incrementAndGet(second);
    }
  }

  void answered(int second, int status, long latencyNanos) {
    if (!in(second)) {
      return;
    }
    if (status == 200) {
      admitted.incrementAndGet(second);
      latencies[second].add(latencyNanos);
    } else if (status == 429) {
      rejected.incrementAndGet(second);
    } else {
      failed.incrementAndGet(second);
    }
  }

  synchronized void level(int second, int level, double factor) {
    if (in(second)) {
      levels[second] = level;
      factors[second] = factor;
    }
  }

  /**
   * @param baseLimitRps the policy's limit at 100%
   * @return the rows, seconds without a level sample take the previous one
   */
  synchronized List<Row> rows(double baseLimitRps) {
    List<Row> rows = new ArrayList<>();
    int level = 0;
    double factor = 1.0;
    for (int s = 0; s < seconds; s++) {
      if (!Double.isNaN(factors[s])) {
        level = levels[s];
        factor = factors[s];
      }
      double p95 = latencies[s].percentile(0.95) / 1e6;
      rows.add(new Row(s, offered.get(s), admitted.get(s), rejected.get(s), failed.get(s), dropped.get(s), p95,
          level, factor, baseLimitRps * factor));
    }
    return rows;
  }

  static void writeCsv(List<Row> rows, Path file) throws IOException {
    try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      w.write("t_s,offered_rps,admitted_rps,rejected_rps,p95_latency_ms,level,level_pct,limit_rps,failed,"
          + "client_dropped\n");
      for (Row r : rows) {
        w.write(String.format(Locale.ROOT, "%d,%d,%d,%d,%s,%d,%.0f,%.0f,%d,%d%n", r.second(), r.offered(),
            r.admitted(), r.rejected(), Double.isNaN(r.p95Millis()) ? "" : String.format(Locale.ROOT, "%.1f",
                r.p95Millis()), r.level(), r.factor() * 100, r.limitRps(), r.failed(), r.dropped()));
      }
    }
  }
}
