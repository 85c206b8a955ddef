package io.limiter.core.internal.step;

import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The signals that the integrations feed with the calls they let through: latency percentile, error ratio and
 * in-flight calls. Recording is a few adder increments and, for in-flight calls, one atomic increment and decrement;
 * sampling happens once per interval on the controller's thread.
 *
 * <p>Calls attributed to a client also count per client ({@link Clients}); when judging, the latency and error-ratio
 * signals set aside the calls of the {@code ignoredKeys} clients with the most bad calls, so that no client alone (or
 * no {@code ignoredKeys} clients together) can make an interval unhealthy or severe.
 */
public final class CallSignals {

  private CallSignals() {
  }

  /**
   * Per-client counts of the calls of an interval, in {@value #SLOTS} slots picked by a hash of the client with a
   * per-controller random multiplier (so a client cannot aim at another's slot). Counts only grow: each reader keeps
   * its own previous snapshot, like {@link LatencyHistogram}. Clients that share a slot are set aside together, which
   * can only set aside more evidence, never give a client more weight.
   */
  public static final class Clients {
    static final int SLOTS = 4096;
    /** Kinds of counts per slot. */
    static final int CALLS = 0;
    static final int SLOW = 1;
    static final int VERY_SLOW = 2;
    static final int FAILED = 3;
    private final int multiplier = new SecureRandom().nextInt() | 1;
    private final AtomicLongArray counts = new AtomicLongArray(SLOTS * 4);

    /** @return the slot of a client, or -1 for a call not attributed to one */
    public int slot(@Nullable String client) {
      if (client == null) {
        return -1;
      }
      int h = 0;
      for (int i = 0; i < client.length(); i++) {
        h = h * multiplier + client.charAt(i);
      }
      h ^= h >>> 15;
      return h & (SLOTS - 1);
    }

    /** Counts a call of the client in {@code slot}. */
    public void called(int slot) {
      add(slot, CALLS);
    }

    void add(int slot, int kind) {
      counts.incrementAndGet(slot * 4 + kind);
    }

    long get(int slot, int kind) {
      return counts.get(slot * 4 + kind);
    }
  }

  /**
   * One reader's view of {@link Clients}: the per-slot counts since its last commit, and which slots to set aside.
   */
  static final class ClientWindow {
    private final Clients clients;
    private final int kind;
    private final int severeKind;
    private final int ignored;
    private final long[] previous = new long[Clients.SLOTS * 2];
    private final long[] current = new long[Clients.SLOTS * 2];
    private final long[] previousBad = new long[Clients.SLOTS];
    private final long[] currentBad = new long[Clients.SLOTS];

    ClientWindow(Clients clients, int kind, int severeKind, int ignored) {
      this.clients = clients;
      this.kind = kind;
      this.severeKind = severeKind;
      this.ignored = ignored;
    }

    void snapshot() {
      for (int s = 0; s < Clients.SLOTS; s++) {
        current[2 * s] = clients.get(s, Clients.CALLS);
        current[2 * s + 1] = clients.get(s, kind);
        currentBad[s] = severeKind < 0 ? 0 : clients.get(s, severeKind);
      }
    }

    void commit() {
      System.arraycopy(current, 0, previous, 0, current.length);
      System.arraycopy(currentBad, 0, previousBad, 0, currentBad.length);
    }

    /**
     * The calls and bad calls of the {@code ignored} slots with the most bad calls of the chosen kind.
     *
     * @param severe rank by the severe kind instead
     * @return {calls, bad calls, slots with bad calls set aside}
     */
    long[] worst(boolean severe) {
      long calls = 0;
      long bad = 0;
      long slots = 0;
      boolean[] taken = new boolean[Clients.SLOTS];
      for (int k = 0; k < ignored; k++) {
        int best = -1;
        long bestBad = 0;
        for (int s = 0; s < Clients.SLOTS; s++) {
          long b = severe ? currentBad[s] - previousBad[s] : current[2 * s + 1] - previous[2 * s + 1];
          if (!taken[s] && b > bestBad) {
            best = s;
            bestBad = b;
          }
        }
        if (best < 0) {
          break;
        }
        taken[best] = true;
        calls += current[2 * best] - previous[2 * best];
        bad += bestBad;
        slots++;
      }
      return new long[] {calls, bad, slots};
    }
  }

  /** The latency of limited calls at a percentile, against a target. */
  public static final class Latency implements HealthSignal {
    private final double percentile;
    private final long targetNanos;
    private final long severeNanos;
    private final long minSamples;
    private final int maxWindow;
    private final LatencyHistogram histogram = new LatencyHistogram();
    private final @Nullable ClientWindow window;
    private final int ignored;
    private int intervals;
    /** The last verdict's percentile over the target (NaN when not judged); read by the controller after sampling. */
    private volatile double lastRatio = Double.NaN;
    private volatile Health.Status lastStatus = Health.Status.UNKNOWN;
    /**
     * Whether a percentile is read by interpolation inside its bucket rather than as the bucket's upper bound. Set
     * once, before the controller that owns the signal is published (it is reached only through final fields), and
     * read on the tick.
     */
    private boolean interpolated;

    public Latency(double percentile, Duration target, @Nullable Duration severe, long minSamples, int maxWindow,
        @Nullable Clients clients, int ignoredKeys) {
      this.percentile = percentile;
      this.targetNanos = target.toNanos();
      this.severeNanos = severe == null ? Long.MAX_VALUE : severe.toNanos();
      this.minSamples = minSamples;
      this.maxWindow = maxWindow;
      this.ignored = ignoredKeys;
      this.window = clients == null || ignoredKeys == 0 ? null
          : new ClientWindow(clients, Clients.SLOW, Clients.VERY_SLOW, ignoredKeys);
    }

    /**
     * Reads percentiles by interpolation inside their bucket ({@code percentiles=interpolated}) instead of as the
     * bucket's upper bound; call before the signal is shared.
     *
     * @param on whether to interpolate
     * @return this signal
     */
    public Latency interpolated(boolean on) {
      this.interpolated = on;
      return this;
    }

    /**
     * Records one call.
     *
     * @param nanos its latency
     * @param clients the per-client counts, or null
     * @param slot the client's slot, or -1
     */
    public void record(long nanos, @Nullable Clients clients, int slot) {
      histogram.record(nanos);
      if (slot >= 0 && clients != null) {
        // judged as the histogram judges: by the upper bound of the value's bucket
        long bound = LatencyHistogram.upperBoundNanos(LatencyHistogram.bucket(nanos));
        if (bound > targetNanos) {
          clients.add(slot, Clients.SLOW);
          if (bound > severeNanos) {
            clients.add(slot, Clients.VERY_SLOW);
          }
        }
      }
    }

    @Override
    public String name() {
      return "latency";
    }

    /**
     * @return how far the last judged interval's percentile was from the target (1.5 = 50% over it), as measured
     *     on the calls that were judged: 1 when it was over the target only because of the set-aside clients; NaN
     *     when the last interval was not judged
     */
    public double lastRatio() {
      return lastRatio;
    }

    /** @return the status of the last sample */
    public Health.Status lastStatus() {
      return lastStatus;
    }

    @Override
    public Health sample() {
      Health h = judge();
      lastStatus = h.status();
      return h;
    }

    private Health judge() {
      lastRatio = Double.NaN;
      histogram.snapshot();
      if (window != null) {
        window.snapshot();
      }
      intervals++;
      long calls = histogram.total();
      String p = "latency p" + ThresholdSignal.format(percentile, "");
      if (calls < minSamples) {
        // too little evidence: keep pooling intervals (up to maxWindow) rather than calling the interval healthy
        String detail = p + " not judged: " + calls + " calls in " + intervals(intervals) + " < " + minSamples;
        if (intervals >= maxWindow) {
          commit();
        }
        return Health.unknown(detail);
      }
      String n = " (" + calls + " calls" + (intervals > 1 ? " in " + intervals(intervals) : "") + ")";
      long value = interpolated ? histogram.interpolatedPercentileNanos(percentile)
          : histogram.percentileNanos(percentile);
      if (value > targetNanos && window != null) {
        long[] worst = window.worst(false);
        if (calls - worst[0] < minSamples) {
          // the slow calls come from too few clients to tell a sick server from a client that makes itself slow
          String detail = p + " not judged: " + calls + " calls in " + intervals(intervals) + ", " + worst[0]
              + " of them from the " + clientsWord(ignored) + " with the most slow calls, " + (calls - worst[0])
              + " from others < " + minSamples;
          if (intervals >= maxWindow) {
            commit();
          }
          return Health.unknown(detail);
        }
      }
      String measured = p + " " + millis(value);
      Health verdict;
      double ratio = (double) value / targetNanos;
      if (value > severeNanos && stillBad(calls, severeNanos, true)) {
        verdict = Health.severe(measured + " > severe " + millis(severeNanos) + n);
      } else if (value > targetNanos && stillBad(calls, targetNanos, false)) {
        verdict = Health.unhealthy(measured + " > " + millis(targetNanos) + n);
        ratio = robustRatio(calls, value);
      } else if (value > targetNanos) {
        ratio = 1; // over the target only because of the set-aside clients: no evidence of how far
        verdict = Health.healthy(measured + " > " + millis(targetNanos) + n + " only because of the "
            + clientsWord(ignored) + " with the most slow calls");
      } else {
        verdict = Health.healthy(measured + " <= " + millis(targetNanos) + n);
      }
      lastRatio = ratio;
      commit();
      return verdict;
    }

    /**
     * How far over the target the percentile is once the set-aside clients are left out, so that no client can make
     * the controller step further than the others' calls justify: the highest bound between the target and the
     * measured value (in steps of an eighth of a power of two) above which the percentile still is without them.
     */
    private double robustRatio(long calls, long value) {
      if (window == null) {
        return (double) value / targetNanos;
      }
      double step = Math.pow(2, -1.0 / 8);
      for (double bound = value; bound > targetNanos; bound *= step) {
        if (stillBad(calls, (long) bound, false)) {
          return bound / targetNanos;
        }
      }
      return 1;
    }

    /** Whether the percentile stays above {@code bound} once the worst clients' calls are set aside. */
    private boolean stillBad(long calls, long bound, boolean severe) {
      if (window == null) {
        return true;
      }
      long above = histogram.countAbove(bound);
      long[] worst = window.worst(severe);
      long rest = calls - worst[0];
      if (rest < minSamples) {
        return false;
      }
      long good = rest - Math.max(0, above - worst[1]);
      long rank = (long) Math.ceil(percentile / 100 * rest);
      return good < rank;
    }

    private void commit() {
      histogram.commit();
      if (window != null) {
        window.commit();
      }
      intervals = 0;
    }

    private static String millis(long nanos) {
      if (nanos % 1_000_000 == 0) {
        return nanos / 1_000_000 + "ms";
      }
      return String.format(java.util.Locale.ROOT, "%.3fms", nanos / 1e6);
    }
  }

  static String clientsWord(int n) {
    return n == 1 ? "client" : n + " clients";
  }

  static String intervals(int n) {
    return n + (n == 1 ? " interval" : " intervals");
  }

  /** The share of limited calls that failed (5xx responses, exceptions), against a threshold. */
  public static final class Errors implements HealthSignal {
    private final double unhealthyAbove;
    private final double severeAbove;
    private final long minSamples;
    private final int maxWindow;
    private final LongAdder calls = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final @Nullable ClientWindow window;
    private final int ignored;
    private long previousCalls;
    private long previousFailures;
    private int intervals;

    public Errors(double unhealthyAbove, double severeAbove, long minSamples, int maxWindow,
        @Nullable Clients clients, int ignoredKeys) {
      this.unhealthyAbove = unhealthyAbove;
      this.severeAbove = severeAbove;
      this.minSamples = minSamples;
      this.maxWindow = maxWindow;
      this.ignored = ignoredKeys;
      this.window = clients == null || ignoredKeys == 0 ? null
          : new ClientWindow(clients, Clients.FAILED, -1, ignoredKeys);
    }

    /**
     * Records one call.
     *
     * @param failed whether the server failed it
     * @param clients the per-client counts, or null
     * @param slot the client's slot, or -1
     */
    public void record(boolean failed, @Nullable Clients clients, int slot) {

      // failures first: a sample in between sees a ratio too high by one call at worst, never a ratio above 1
      if (failed) {
        if (slot >= 0 && clients != null) {
          clients.add(slot, Clients.FAILED);
        }
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
      if (window != null) {
        window.snapshot();
      }
      intervals++;
      if (n < minSamples) {
        String detail = "error ratio not judged: " + n + " calls in " + intervals(intervals) + " < " + minSamples;
        if (intervals >= maxWindow) {
          commit(c, bad);
        }
        return Health.unknown(detail);
      }
      String in = intervals > 1 ? " in " + intervals(intervals) : "";
      double ratio = (double) bad / n;
      double without = ratio;
      if (window != null && ratio > unhealthyAbove) {
        long[] worst = window.worst(false);
        long rest = n - worst[0];
        if (rest < minSamples) {
          String detail = "error ratio not judged: " + n + " calls in " + intervals(intervals) + ", " + worst[0]
              + " of them from the " + clientsWord(ignored) + " with the most failed calls, " + rest
              + " from others < " + minSamples;
          if (intervals >= maxWindow) {
            commit(c, bad);
          }
          return Health.unknown(detail);
        }
        without = (double) Math.max(0, bad - worst[1]) / rest;
      }
      commit(c, bad);
      String measured = "error ratio " + ThresholdSignal.format(ratio, "%") + " (" + bad + " of " + n + " calls"
          + in + ")";
      if (ratio > severeAbove && without > severeAbove) {
        return Health.severe(measured + " > severe " + ThresholdSignal.format(severeAbove, "%"));
      }
      if (ratio > unhealthyAbove && without > unhealthyAbove) {
        return Health.unhealthy(measured + " > " + ThresholdSignal.format(unhealthyAbove, "%"));
      }
      if (ratio > unhealthyAbove) {
        return Health.healthy(measured + " > " + ThresholdSignal.format(unhealthyAbove, "%") + " only because of the "
            + clientsWord(ignored) + " with the most failed calls ("
            + ThresholdSignal.format(without, "%") + " without)");
      }
      return Health.healthy(measured + " <= " + ThresholdSignal.format(unhealthyAbove, "%"));
    }

    private void commit(long c, long bad) {
      previousCalls = c;
      previousFailures = previousFailures + bad;
      if (window != null) {
        window.commit();
      }
      intervals = 0;
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
