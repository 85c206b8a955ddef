package io.limiter.core.step;

import java.util.Objects;

/**
 * One sample of a {@link HealthSignal}: how the signal judged the last interval, and why.
 *
 * @param status the judgement
 * @param detail a short human-readable explanation with the measured value, e.g.
 *     {@code latency p95 412ms > 250ms (1834 calls)}; it appears in step change events and logs
 */
public record Health(Status status, String detail) {

  /** How an interval was judged, from best to worst. */
  public enum Status {
    /** Within the targets. */
    HEALTHY,
    /**
     * Not judged: too little data (fewer calls than {@code min-samples}), or the signal failed or timed out. Unknown
     * is not healthy: by default the controller holds its level and its streaks.
     */
    UNKNOWN,
    /** Over a target: counts towards stepping the rate down. */
    UNHEALTHY,
    /** Over a severe threshold: the controller jumps straight to its floor level. */
    SEVERE
  }

  public Health {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(detail, "detail");
  }

  /**
   * @param detail why
   * @return a healthy sample
   */
  public static Health healthy(String detail) {
    return new Health(Status.HEALTHY, detail);
  }

  /**
   * @param detail why the interval could not be judged
   * @return a sample that judges nothing
   */
  public static Health unknown(String detail) {
    return new Health(Status.UNKNOWN, detail);
  }

  /**
   * @param detail why, with the measured value
   * @return an unhealthy sample
   */
  public static Health unhealthy(String detail) {
    return new Health(Status.UNHEALTHY, detail);
  }

  /**
   * @param detail why, with the measured value
   * @return a severe sample
   */
  public static Health severe(String detail) {
    return new Health(Status.SEVERE, detail);
  }
}
