package io.limiter.core.internal.step;

import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The signals that the integrations feed with the calls they let through: latency percentile, error ratio and
 * in-flight calls. Recording is a few adder increments and, for in-flight calls, one atomic increment and decrement;
 * sampling happens once per interval on the controller's thread.
 */
public final class CallSignals {

  private CallSignals() {
  }

  /** The latency of limited calls at a percentile, against a target. */
  public static final class Latency implements HealthSignal {
    private final double percentile;
    private final long targetNanos;
    private final long severeNanos;
    private final long minSamples;
    private final LatencyHistogram histogram = new LatencyHistogram();

    public Latency(double percentile, Duration target, Duration severe, long minSamples) {
      this.percentile = percentile;
      this.targetNanos = target.toNanos();
      this.severeNanos = severe == null ? Long.MAX_VALUE : severe.toNanos();
      this.minSamples = minSamples;
    }

    public void record(long nanos) {
      histogram.record(nanos);
    }

    @Override
    public String name() {
      return "latency";
    }

    @Override
    public Health sample() {
      histogram.snapshot();
      long calls = histogram.total();
      String p = "latency p" + ThresholdSignal.format(percentile, "");
      if (calls < minSamples) {
        return Health.healthy(p + " not judged: " + calls + " calls < " + minSamples);
      }
      long value = histogram.percentileNanos(percentile);
      String measured = p + " " + millis(value);
      String n = " (" + calls + " calls)";
      if (value > severeNanos) {
        return Health.severe(measured + " > severe " + millis(severeNanos) + n);
      }
      if (value > targetNanos) {
        return Health.unhealthy(measured + " > " + millis(targetNanos) + n);
      }
      return Health.healthy(measured + " <= " + millis(targetNanos) + n);
    }

    private static String millis(long nanos) {
      if (nanos % 1_000_000 == 0) {
        return nanos / 1_000_000 + "ms";
      }
      return String.format(java.util.Locale.ROOT, "%.3fms", nanos / 1e6);
    }
  }

  /** The share of limited calls that failed (5xx responses, exceptions), against a threshold. */
  public static final class Errors implements HealthSignal {
    private final double unhealthyAbove;
    private final double severeAbove;
    private final long minSamples;
    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private long previousCalls;
    private long previousFailures;

    public Errors(double unhealthyAbove, double severeAbove, long minSamples) {
      this.unhealthyAbove = unhealthyAbove;
      this.severeAbove = severeAbove;
      this.minSamples = minSamples;
    }

    public void record(boolean failed) {
      // failures first: a sample in between sees a ratio too high by one call at worst, never a ratio above 1
      if (failed) {
        failures.increment();
      }
      calls.increment();
    }

    @Override
    public String name() {
      return "errors";
    }

    @Override
    public Health sample() {
      long c = calls.sum();
      long f = failures.sum();
      long n = c - previousCalls;
      long bad = Math.min(n, f - previousFailures);
      previousCalls = c;
      previousFailures = previousFailures + bad;
      if (n < minSamples) {
        return Health.healthy("error ratio not judged: " + n + " calls < " + minSamples);
      }
      double ratio = (double) bad / n;
      String measured = "error ratio " + ThresholdSignal.format(ratio, "%") + " (" + bad + " of " + n + " calls)";
      if (ratio > severeAbove) {
        return Health.severe(measured + " > severe " + ThresholdSignal.format(severeAbove, "%"));
      }
      if (ratio > unhealthyAbove) {
        return Health.unhealthy(measured + " > " + ThresholdSignal.format(unhealthyAbove, "%"));
      }
      return Health.healthy(measured + " <= " + ThresholdSignal.format(unhealthyAbove, "%"));
    }
  }

  /** The most calls in flight at once during the interval, against a maximum. */
  public static final class InFlight implements HealthSignal {
    private final long max;
    private final long severe;
    private final AtomicLong current = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    public InFlight(long max, long severe) {
      this.max = max;
      this.severe = severe;
    }

    public void enter() {
      long n = current.incrementAndGet();
      long p = peak.get();
      while (n > p && !peak.compareAndSet(p, n)) {
        p = peak.get();
      }
    }

    public void exit() {
      current.decrementAndGet();
    }

    /** Calls in flight now. */
    public long current() {
      return current.get();
    }

    @Override
    public String name() {
      return "in-flight";
    }

    @Override
    public Health sample() {
      // the next interval's peak starts from what is in flight now
      long p = peak.getAndSet(current.get());
      String measured = "in-flight peak " + p;
      if (p > severe) {
        return Health.severe(measured + " > severe " + severe);
      }
      if (p > max) {
        return Health.unhealthy(measured + " > " + max);
      }
      return Health.healthy(measured + " <= " + max);
    }
  }
}
