package io.limiter.core.internal.step;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.StepController;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads a step controller's configuration, as one string ({@code key=value; ...}) or as separate properties, into a
 * {@link StepController.Builder}. Each value goes through the builder's own validation; every problem is collected
 * with its position and source, and one {@link RateLimitConfigException} lists them all.
 */
public final class ControllerSpec {

  static final String KEYS = "levels, interval, down-after, up-after, cooldown, floor, ceiling, latency, "
      + "latency-severe, error-ratio, error-ratio-severe, in-flight, in-flight-severe, cpu, cpu-severe, min-samples, "
      + "max-window, ignored-keys, signal-timeout, unknown, risky, signals, fast-down, step-down, fast-up, "
      + "probe-backoff, probe-revert, percentiles";
  private static final Pattern LATENCY = Pattern.compile("(?i)\\s*(?:p([0-9]{1,3}(?:\\.[0-9]{1,6})?)\\s*<?)?\\s*(.+)");

  private ControllerSpec() {
  }

  public static StepController parse(StepController.Builder builder, String spec, @Nullable String source,
      @Nullable Map<String, HealthSignal> customSignals) {
    Objects.requireNonNull(spec, "spec");
    List<String> problems = new ArrayList<>();
    SpecProblems p = new SpecProblems("controller spec", spec, source, problems);
    Set<String> seen = new HashSet<>();
    for (SpecReader.Entry e : SpecReader.entries(p)) {
      String key = normalize(e.name());
      if (!seen.add(key)) {
        p.at(e.nameAt(), e.name() + " is given twice; expected it once");
        continue;
      }
      if (!e.value().isEmpty()) {
        String value = key.equals("levels") || key.equals("signals") ? e.value() : SpecReader.single(e, p);
        apply(builder, e.name(), e.nameAt(), value, e.valueAt(), p, customSignals);
      }
    }
    return build(builder, problems, source);
  }

  public static StepController fromProperties(StepController.Builder builder, Map<String, String> properties,
      @Nullable String sourcePrefix, @Nullable Map<String, HealthSignal> customSignals) {
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    String prefix = sourcePrefix == null ? "" : sourcePrefix;
    for (Map.Entry<String, String> property : properties.entrySet()) {
      String value = property.getValue() == null ? "" : property.getValue();
      SpecProblems p = new SpecProblems("value", value, prefix + property.getKey(), problems);
      if (!seen.add(normalize(property.getKey()))) {
        p.whole("the setting is given twice (" + property.getKey() + ")");
        continue;
      }
      if (value.isBlank()) {
        p.whole("expected a value");
        continue;
      }
      int at = SpecReader.skipSpace(value, 0, value.length());
      apply(builder, property.getKey(), -1, value.trim(), at, p, customSignals);
    }
    return build(builder, problems, sourcePrefix);
  }

  private static StepController build(StepController.Builder builder, List<String> problems,
      @Nullable String source) {

    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
    try {
      return builder.build();
    } catch (IllegalStateException e) {
      String where = source == null ? "" : source.strip();
      while (where.endsWith(".")) {
        where = where.substring(0, where.length() - 1); // a property prefix such as "property limiter.adaptive.x."
      }
      throw new RateLimitConfigException((where.isEmpty() ? "" : where + ": ") + e.getMessage());
    }
  }

  private static String normalize(String key) {
    return key.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
  }

  private static void apply(StepController.Builder b, String key, int keyAt, String value, int at, SpecProblems p,
      @Nullable Map<String, HealthSignal> customSignals) {
    try {
      switch (normalize(key)) {
        case "levels":
          levels(b, value, at, p);
          break;
        case "interval":
          duration(value, at, p, b::interval);
          break;
        case "downafter":
          count(value, at, p, n -> b.downAfter(n));
          break;
        case "upafter":
          count(value, at, p, n -> b.upAfter(n));
          break;
        case "cooldown":
          if (value.trim().equals("0")) {
            b.cooldown(Duration.ZERO);
          } else {
            duration(value, at, p, b::cooldown);
          }
          break;
        case "floor":
          percent(value, at, p, b::floor);
          break;
        case "ceiling":
          percent(value, at, p, b::ceiling);
          break;
        case "latency":
          latency(b, value, at, p);
          break;
        case "latencysevere":
          duration(value, at, p, b::latencySevere);
          break;
        case "errorratio":
          percent(value, at, p, b::errorRatio);
          break;
        case "errorratiosevere":
          percent(value, at, p, b::errorRatioSevere);
          break;
        case "inflight":
          whole(value, at, p, b::inFlight);
          break;
        case "inflightsevere":
          whole(value, at, p, b::inFlightSevere);
          break;
        case "cpu":
          percent(value, at, p, b::processCpu);
          break;
        case "cpusevere":
          percent(value, at, p, b::processCpuSevere);
          break;
        case "minsamples":
          whole(value, at, p, b::minSamples);
          break;
        case "maxwindow":
          count(value, at, p, n -> b.maxWindow(n));
          break;
        case "ignoredkeys": {
          long n = SpecReader.number(value, 0, at, p);
          if (n > 16) {
            p.at(at, "ignored-keys must be between 0 and 16 but was " + n);
          } else if (n >= 0) {
            b.ignoredKeys((int) n);
          }
          break;
        }
        case "signaltimeout":
          duration(value, at, p, b::signalTimeout);
          break;
        case "unknown":
          choice(value, at, p, "hold", "healthy", hold -> b.holdWhenUnknown(hold));
          break;
        case "risky":
          choice(value, at, p, "refuse", "warn", refuse -> b.refuseRisky(refuse));
          break;
        case "signals":
          signals(b, value, at, p, customSignals);
          break;
        case "fastdown":
          if (value.trim().equalsIgnoreCase("off")) {
            b.fastDown(Double.POSITIVE_INFINITY);
          } else {
            percent(value, at, p, b::fastDown);
          }
          break;
        case "stepdown":
          stepDown(b, value, at, p);
          break;
        case "percentiles":
          choice(value, at, p, "interpolated", "upper-bound", interpolate -> b.interpolatedPercentiles(interpolate));
          break;
        case "fastup":
          if (value.trim().equalsIgnoreCase("off")) {
            b.fastUp(0);
          } else {
            percent(value, at, p, b::fastUp);
          }
          break;
        case "probebackoff":
          count(value, at, p, n -> b.probeBackoff(n));
          break;
        case "proberevert":
          choice(value, at, p, "on", "off", revert -> b.probeRevert(revert));
          break;
        default:
          if (keyAt >= 0) {
            p.at(keyAt, "unknown setting \"" + key + "\"; expected one of " + KEYS);
          } else {
            p.whole("unknown setting \"" + key + "\"; expected one of " + KEYS);
          }
      }
    } catch (IllegalArgumentException e) {
      p.refused(at, e);
    }

  }

  private static void levels(StepController.Builder b, String value, int at, SpecProblems p) {
    List<Double> factors = new ArrayList<>();
    int from = 0;
    for (int i = 0; i <= value.length(); i++) {
      if (i == value.length() || SpecReader.isSeparator(value.charAt(i))) {
        double f = SpecReader.percent(value.substring(from, i), at + SpecReader.skipSpace(value, from, i), p);
        if (Double.isNaN(f)) {
          return;
        }
        factors.add(f);
        from = i + 1;
      }
    }
    double[] array = new double[factors.size()];
    for (int i = 0; i < array.length; i++) {
      array[i] = factors.get(i);
    }
    b.levels(array);
  }

  /** {@code scaled}, {@code one} or {@code proportional}, any case. */
  private static void stepDown(StepController.Builder b, String value, int at, SpecProblems p) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    for (StepController.StepDown rule : StepController.StepDown.values()) {
      if (rule.name().toLowerCase(Locale.ROOT).equals(v)) {
        b.stepDown(rule);
        return;
      }
    }
    p.at(at, "expected scaled, one or proportional but found \"" + value + "\"");
  }

  private static void latency(StepController.Builder b, String value, int at, SpecProblems p) {
    Matcher m = LATENCY.matcher(value);
    if (!m.matches()) {
      p.at(at, "expected a latency target such as p95 250ms but found \"" + value + "\"");
      return;
    }
    double percentile = m.group(1) == null ? 95 : Double.parseDouble(m.group(1));
    Duration target = SpecReader.duration(m.group(2), at + m.start(2), p);
    if (target != null) {
      b.latency(percentile, target);
    }
  }

  private static void signals(StepController.Builder b, String value, int at, SpecProblems p,
      @Nullable Map<String, HealthSignal> customSignals) {
    int from = 0;
    for (int i = 0; i <= value.length(); i++) {
      if (i == value.length() || SpecReader.isSeparator(value.charAt(i))) {
        String name = value.substring(from, i).trim();
        int nameAt = at + SpecReader.skipSpace(value, from, i);
        HealthSignal signal = customSignals == null ? null : customSignals.get(name);
        if (name.isEmpty()) {
          p.at(nameAt, "expected a signal name");
        } else if (signal == null) {
          p.at(nameAt, "unknown health signal \"" + name + "\"; known signals: "
              + (customSignals == null || customSignals.isEmpty() ? "none"
                  : String.join(", ", new TreeSet<>(customSignals.keySet()))));
        } else {
          b.signal(signal);
        }
        from = i + 1;
      }
    }
  }

  private interface LongSetter {
    void set(long value);
  }

  private interface IntSetter {
    void set(int value);
  }

  private interface DoubleSetter {
    void set(double value);
  }

  private interface DurationSetter {
    void set(Duration value);
  }

  private interface BooleanSetter {
    void set(boolean value);
  }

  /** One of two words: {@code yes} sets true, {@code no} false. */
  private static void choice(String value, int at, SpecProblems p, String yes, String no, BooleanSetter setter) {
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals(yes) || v.equals(no)) {
      setter.set(v.equals(yes));
    } else {
      p.at(at, "expected " + yes + " or " + no + " but found \"" + value + "\"");
    }
  }

  private static void duration(String value, int at, SpecProblems p, DurationSetter setter) {
    Duration d = SpecReader.duration(value, at, p);
    if (d != null) {
      setter.set(d);
    }
  }

  private static void percent(String value, int at, SpecProblems p, DoubleSetter setter) {
    double f = SpecReader.percent(value, at, p);
    if (!Double.isNaN(f)) {
      setter.set(f);
    }
  }

  private static void whole(String value, int at, SpecProblems p, LongSetter setter) {
    long n = SpecReader.number(value, 1, at, p);
    if (n >= 0) {
      setter.set(n);
    }
  }

  private static void count(String value, int at, SpecProblems p, IntSetter setter) {
    long n = SpecReader.number(value, 1, at, p);
    if (n > Integer.MAX_VALUE) {
      p.at(at, "must be at most " + Integer.MAX_VALUE + " but was " + n);
    } else if (n >= 0) {
      setter.set((int) n);
    }
  }
}
