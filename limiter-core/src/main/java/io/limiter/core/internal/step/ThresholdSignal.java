package io.limiter.core.internal.step;

import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/** A gauge read once per interval and compared with two thresholds; also the process CPU signal. */
public final class ThresholdSignal implements HealthSignal {

  private final String name;
  private final DoubleSupplier value;
  private final double unhealthyAbove;
  private final double severeAbove;
  /** "%" renders values 0..1 as percentages; "" prints them as they are. */
  private final String unit;

  public ThresholdSignal(String name, DoubleSupplier value, double unhealthyAbove, double severeAbove, String unit) {
    this.name = Objects.requireNonNull(name, "name");
    this.value = Objects.requireNonNull(value, "value");
    if (name.isBlank()) {
      throw new IllegalArgumentException("signal name must not be blank");
    }
    if (Double.isNaN(unhealthyAbove)) {
      throw new IllegalArgumentException("unhealthyAbove of signal " + name + " must be a number");
    }
    if (!(severeAbove > unhealthyAbove)) {
      throw new IllegalArgumentException("severeAbove of signal " + name + " must be greater than unhealthyAbove "
          + format(unhealthyAbove, unit) + " but was " + format(severeAbove, unit));
    }
    this.unhealthyAbove = unhealthyAbove;
    this.severeAbove = severeAbove;
    this.unit = unit;
  }

  /** The process CPU signal; {@code com.sun.management} is optional at run time, so it is looked up once here. */
  public static HealthSignal processCpu(double unhealthyAbove, double severeAbove) {
    return new ThresholdSignal("cpu", processCpuLoad(), unhealthyAbove, severeAbove, "%");
  }

  /** Reads the process CPU load, or answers NaN (unavailable) when the JVM has no such bean. */
  public static DoubleSupplier processCpuLoad() {
    try {
      OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
      if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
        return sun::getProcessCpuLoad;
      }
    } catch (LinkageError | RuntimeException e) {
      // jdk.management is absent: fall through
    }
    return () -> Double.NaN;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Health sample() {
    double v = value.getAsDouble();
    if (Double.isNaN(v) || v < 0) {
      return Health.healthy(name + " unavailable");
    }
    if (v > severeAbove) {
      return Health.severe(name + " " + format(v, unit) + " > severe " + format(severeAbove, unit));
    }
    if (v > unhealthyAbove) {
      return Health.unhealthy(name + " " + format(v, unit) + " > " + format(unhealthyAbove, unit));
    }
    return Health.healthy(name + " " + format(v, unit) + " <= " + format(unhealthyAbove, unit));
  }

  static String format(double v, String unit) {
    if (unit.equals("%")) {
      return SpecReader.percent(Math.round(v * 1000) / 1000.0);
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
  }

  @Override
  public String toString() {
    return "HealthSignal{" + name + " > " + format(unhealthyAbove, unit)
        + (Double.isInfinite(severeAbove) ? "" : ", severe > " + format(severeAbove, unit)) + "}";
  }
}
