package io.limiter.bench.overload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The measures of one recording, per phase and for the whole run, computed over windows of {@code windowNanos} by the
 * arrival time of each request (so a response counts in the window its request was offered in):
 *
 * <ul>
 *   <li><b>goodput</b>: responses 200 within the latency target, per second;
 *   <li><b>seconds over target</b>: the windows whose p95 latency of 200 responses exceeds the target, in seconds;
 *   <li><b>peak p95</b>: the highest p95 of a window;
 *   <li><b>rejected</b>: the share of offered requests answered 429 (or 503);
 *   <li><b>settle</b>: seconds from the start of a phase until the p95 stays within the target to its end (0 when it
 *       never exceeds it; the phase length when it never settles);
 *   <li><b>fairness</b>: Jain's index of the two clients' goodput (1 = equal; both offer the same load).
 * </ul>
 *
 * Immutable.
 *
 * @param contender the contender
 * @param phaseGoodput goodput per phase, responses per second
 * @param phaseOverSeconds seconds over target per phase
 * @param phasePeakP95Millis peak p95 per phase
 * @param phaseRejected share rejected per phase
 * @param phaseSettleSeconds settle time per phase
 * @param phaseLostShare share of offered requests dropped by the client or failed, per phase
 * @param fairness Jain's index of the clients' goodput over the run
 * @param windowP95Millis p95 per window (NaN when a window has no 200 response)
 * @param windowGoodput goodput per window, per second
 * @param windowOffered offered per window, per second
 * @param windowRejected rejected per window, per second
 */
public record Measures(String contender, double[] phaseGoodput, double[] phaseOverSeconds, double[] phasePeakP95Millis,
    double[] phaseRejected, double[] phaseSettleSeconds, double[] phaseLostShare, double fairness,
    double[] windowP95Millis, double[] windowGoodput, double[] windowOffered, double[] windowRejected) {

  /** A window with fewer 200 responses than this has no p95 (too little to say). */
  static final int MIN_FOR_P95 = 5;

  /**
   * @param r the recording
   * @param curve its scenario
   * @param targetNanos the latency target
   * @param windowNanos the window length; must divide the phase length
   * @return the measures
   */
  public static Measures of(LoadDriver.Recording r, LoadCurve curve, long targetNanos, long windowNanos) {
    int phases = LoadCurve.PHASES.size();
    int perPhase = (int) (curve.phaseNanos() / windowNanos);
    int windows = perPhase * phases;
    double seconds = windowNanos / 1e9;
    List<List<Long>> ok = new ArrayList<>();
    for (int w = 0; w < windows; w++) {
      ok.add(new ArrayList<>());
    }
    long[] offered = new long[windows];
    long[] good = new long[windows];
    long[] rejected = new long[windows];
    long[] lost = new long[windows];
    long[] clientGood = new long[2];
    for (int i = 0; i < r.arrivals().size(); i++) {
      LoadCurve.Arrival a = r.arrivals().get(i);
      int w = (int) Math.min(windows - 1, a.atNanos() / windowNanos);
      offered[w]++;
      int s = r.status()[i];
      if (s == 200) {
        ok.get(w).add(r.latencyNanos()[i]);
        if (r.latencyNanos()[i] <= targetNanos) {
          good[w]++;
          clientGood[a.client()]++;
        }
      } else if (s == 429 || s == 503) {
        rejected[w]++;
      } else {
        lost[w]++;
      }
    }
    double[] p95 = new double[windows];
    for (int w = 0; w < windows; w++) {
      p95[w] = ok.get(w).size() < MIN_FOR_P95 ? Double.NaN : percentile(ok.get(w), 95) / 1e6;
    }
    double targetMillis = targetNanos / 1e6;
    double[] goodput = new double[phases];
    double[] over = new double[phases];
    double[] peak = new double[phases];
    double[] rej = new double[phases];
    double[] settle = new double[phases];
    double[] lostShare = new double[phases];
    for (int p = 0; p < phases; p++) {
      long off = 0;
      long g = 0;
      long rj = 0;
      long ls = 0;
      int lastOver = -1;
      for (int k = 0; k < perPhase; k++) {
        int w = p * perPhase + k;
        off += offered[w];
        g += good[w];
        rj += rejected[w];
        ls += lost[w];
        boolean isOver = p95[w] > targetMillis;
        if (isOver) {
          over[p] += seconds;
          lastOver = k;
        }
        if (!Double.isNaN(p95[w])) {
          peak[p] = Math.max(peak[p], p95[w]);
        }
      }
      goodput[p] = g / (curve.phaseNanos() / 1e9);
      rej[p] = off == 0 ? 0 : (double) rj / off;
      lostShare[p] = off == 0 ? 0 : (double) ls / off;
      settle[p] = (lastOver + 1) * seconds;
    }
    double sum = clientGood[0] + clientGood[1];
    double squares = (double) clientGood[0] * clientGood[0] + (double) clientGood[1] * clientGood[1];
    double fairness = squares == 0 ? 1 : sum * sum / (2 * squares);
    double[] goodRate = new double[windows];
    double[] offeredRate = new double[windows];
    double[] rejectedRate = new double[windows];
    for (int w = 0; w < windows; w++) {
      goodRate[w] = good[w] / seconds;
      offeredRate[w] = offered[w] / seconds;
      rejectedRate[w] = rejected[w] / seconds;
    }
    return new Measures(r.contender(), goodput, over, peak, rej, settle, lostShare, fairness, p95, goodRate,
        offeredRate, rejectedRate);
  }

  /** @return the goodput over the whole run, responses per second */
  public double goodput() {
    return Arrays.stream(phaseGoodput).average().orElse(0);
  }

  /** @return seconds over target over the whole run */
  public double overSeconds() {
    return Arrays.stream(phaseOverSeconds).sum();
  }

  /** @return the peak p95 over the whole run */
  public double peakP95Millis() {
    return Arrays.stream(phasePeakP95Millis).max().orElse(0);
  }

  /** @return the peak p95 during the first overload (ramp and plateau) */
  public double firstOverloadPeakMillis() {
    return Math.max(phasePeakP95Millis[0], phasePeakP95Millis[1]);
  }

  /** @return the share of the run's offered requests that were rejected */
  public double rejected() {
    return Arrays.stream(phaseRejected).average().orElse(0);
  }

  static double percentile(List<Long> values, double percentile) {
    long[] sorted = values.stream().mapToLong(Long::longValue).sorted().toArray();
    int rank = (int) Math.ceil(percentile / 100 * sorted.length);
    return sorted[Math.max(0, rank - 1)];
  }
}
