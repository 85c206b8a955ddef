package io.limiter.core.step;

import io.limiter.core.internal.step.ThresholdSignal;
import java.util.function.DoubleSupplier;

/**
 * A source of health for a {@link StepController}: sampled once per interval, it judges the interval since its last
 * sample. The controller's built-in signals (latency percentile, error ratio, in-flight calls, process CPU load) are
 * configured on {@link StepController.Builder}; implement this interface for others: queue depth, database pool
 * usage, a downstream's 429s.
 *
 * <p>Sampling happens one call at a time (custom signals on a thread of the controller's signal pool, never under a
 * lock an operator needs), so an implementation may reset per-interval counters in {@link #sample()}. It should be
 * fast and should not throw: a signal that throws (even an {@link Error}), returns null or does not answer within the
 * controller's {@code signal-timeout} is <em>unknown</em> for that interval (which holds the level), and is logged
 * and counted; a signal that has not answered is not sampled again until it has.
 */
public interface HealthSignal {

  /** @return a short name for events and logs, e.g. {@code queue-depth} */
  String name();

  /**
   * Judges the interval since the previous sample.
   *
   * @return the judgement and its reason
   */
  Health sample();

  /**
   * Returns a signal that reads a gauge each interval: unhealthy above {@code unhealthyAbove}.
   *
   * @param name the signal's name
   * @param value reads the current value; NaN or a negative value means unavailable (healthy)
   * @param unhealthyAbove the highest healthy value
   * @return the signal
   */
  static HealthSignal threshold(String name, DoubleSupplier value, double unhealthyAbove) {
    return new ThresholdSignal(name, value, unhealthyAbove, Double.POSITIVE_INFINITY, "");
  }

  /**
   * Returns a signal that reads a gauge each interval: unhealthy above {@code unhealthyAbove}, severe (the controller
   * jumps to its floor) above {@code severeAbove}.
   *
   * @param name the signal's name
   * @param value reads the current value; NaN or a negative value means unavailable (healthy)
   * @param unhealthyAbove the highest healthy value
   * @param severeAbove the highest value that is not severe; greater than {@code unhealthyAbove}
   * @return the signal
   */
  static HealthSignal threshold(String name, DoubleSupplier value, double unhealthyAbove, double severeAbove) {
    return new ThresholdSignal(name, value, unhealthyAbove, severeAbove, "");
  }

  /**
   * Returns a signal on this process's CPU load (0 to 1 over all cores) from
   * {@code com.sun.management.OperatingSystemMXBean#getProcessCpuLoad()}, the load since the previous reading. On a
   * JVM without that bean the signal is always healthy and says so in its detail.
   *
   * @param unhealthyAbove the highest healthy load, e.g. 0.85
   * @param severeAbove the highest load that is not severe, or {@code Double.POSITIVE_INFINITY} for none
   * @return the signal
   */
  static HealthSignal processCpu(double unhealthyAbove, double severeAbove) {
    return ThresholdSignal.processCpu(unhealthyAbove, severeAbove);
  }
}
