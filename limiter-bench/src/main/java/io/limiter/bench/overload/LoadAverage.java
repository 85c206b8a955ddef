package io.limiter.bench.overload;

import java.util.Locale;

/**
 * The machine's one-minute load average over a comparison, as the report records it: the lowest and highest of the
 * samples taken before every run and at the end. Not thread-safe.
 */
public final class LoadAverage {
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private final int cores = Runtime.getRuntime().availableProcessors();

  /** Takes a sample. */
  public void sample() {
    double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    if (l >= 0) {
      min = Math.min(min, l);
      max = Math.max(max, l);
    }
  }

  @Override
  public String toString() {
    if (min > max) {
      return String.format(Locale.ROOT, "%d cores, load average not available", cores);
    }
    return String.format(Locale.ROOT, "%d cores, one-minute load average %.1f to %.1f during the runs", cores, min,
        max);
  }
}
