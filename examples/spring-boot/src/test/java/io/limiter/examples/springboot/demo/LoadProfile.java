package io.limiter.examples.springboot.demo;

/**
 * The offered load over time: low, a linear rise to the peak, a plateau, a linear fall, low again. The phases scale
 * with the total duration (10%, 35%, 15%, 25%, 15% of it), so a short smoke run has the same shape. Immutable.
 *
 * @param seconds the total duration
 * @param lowRps the offered load at the start and the end, requests per second
 * @param peakRps the offered load on the plateau
 */
record LoadProfile(int seconds, double lowRps, double peakRps) {

  private static final double[] PHASE_ENDS = {0.10, 0.45, 0.60, 0.85, 1.0};

  LoadProfile {
    if (seconds < 1 || lowRps <= 0 || peakRps < lowRps) {
      throw new IllegalArgumentException("need seconds >= 1 and 0 < low <= peak, but got " + seconds + " s, " + lowRps
          + " to " + peakRps + " rps");
    }
  }

  /**
   * @param t seconds since the start
   * @return the offered load at {@code t}, requests per second
   */
  double rateAt(double t) {
    double x = t / seconds;
    if (x < PHASE_ENDS[0] || x >= PHASE_ENDS[3]) {
      return lowRps;
    }
    if (x < PHASE_ENDS[1]) {
      return lowRps + (peakRps - lowRps) * (x - PHASE_ENDS[0]) / (PHASE_ENDS[1] - PHASE_ENDS[0]);
    }
    if (x < PHASE_ENDS[2]) {
      return peakRps;
    }
    return peakRps - (peakRps - lowRps) * (x - PHASE_ENDS[2]) / (PHASE_ENDS[3] - PHASE_ENDS[2]);
  }
}
