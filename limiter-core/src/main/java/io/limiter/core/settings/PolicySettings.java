package io.limiter.core.settings;

import io.limiter.core.Algorithm;
import io.limiter.core.FailureMode;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.step.StepParts;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one policy, or of one URL rule, in the one vocabulary of every front-end. A servlet init-param
 * {@code policy.api.limits}, a Boot property {@code limiter.policies.api.limits} and a rule's {@code limits} are the
 * same setting, read and checked here, so that they accept the same values and fail with the same words (naming
 * where each came from). A front-end collects the {@link Setting}s of a policy by their vocabulary name and hands
 * them over; values that only its web layer understands (paths, methods, key references) it reads itself with
 * {@link Problems#read}. Not thread-safe; read once at startup.
 */
public final class PolicySettings {

  /** The settings of a named policy. */
  public static final List<String> POLICY = names(List.of("limits", "algorithm", "cost", "shadow", "failure-mode",
      "key", "missing-key"), StepParts.NAMES);

  /**
   * The settings of a URL rule: where it applies, then an inline policy (or a named one) and its options, and which
   * outcomes are charged ({@code charge-on}, see {@code io.limiter.core.ChargeOn}) and where the actual cost is read
   * when the response is complete ({@code actual-cost}: {@code attribute:<name>} or {@code header:<name>}).
   */
  public static final List<String> RULE = names(List.of("paths", "methods", "policy", "charge-on", "actual-cost"),
      POLICY);

  /** Former names, refused with the new one (one name per concept). */
  private static final Map<String, String> RENAMED = Map.of("limit", "limits", "path", "paths");

  private final Map<String, Setting> values;
  private final String source;
  private final UnaryOperator<String> name;

  private PolicySettings(Map<String, Setting> values, String source, UnaryOperator<String> name) {
    this.values = values;
    this.source = source;
    this.name = name;
  }

  /**
   * Groups the settings of one policy or rule, reporting names outside {@code vocabulary}.
   *
   * @param settings the settings by their vocabulary name ({@code limits}, {@code tier-key})
   * @param vocabulary {@link #POLICY} or {@link #RULE}
   * @param source where settings that may be absent would come from: {@code init-param}, {@code property}
   * @param name names a setting in the front-end's spelling, e.g. {@code tier-key} to {@code rule.api.tier-key}
   * @param problems receives unknown names, each with the known ones (and the new name of a renamed one)
   * @return the settings
   */
  public static PolicySettings of(Map<String, Setting> settings, List<String> vocabulary, String source,
      UnaryOperator<String> name, Problems problems) {
    Map<String, Setting> known = new LinkedHashMap<>();
    settings.forEach((key, setting) -> {
      if (setting == null) {
        return;
      }
      if (vocabulary.contains(key)) {
        known.put(key, setting);
      } else if (RENAMED.containsKey(key) && vocabulary.contains(RENAMED.get(key))) {
        problems.add(setting.where() + ": renamed to " + name.apply(RENAMED.get(key)) + " (one name for each "
            + "concept in init-params and properties)");
      } else {
        problems.add(setting.where() + ": unknown setting \"" + key + "\"; known: " + vocabulary);
      }
    });
    return new PolicySettings(known, Objects.requireNonNull(source, "source"), Objects.requireNonNull(name, "name"));
  }

  /**
   * @param name a vocabulary name
   * @return the setting, or null if not set (blank values count as set)
   */
  public @Nullable Setting get(String name) {
    return values.get(name);
  }

  /**
   * @param name a vocabulary name
   * @return whether it is set to something not blank
   */
  public boolean has(String name) {
    Setting s = values.get(name);
    return s != null && !s.value().isEmpty();
  }

  /**
   * @param part a vocabulary name
   * @return its name in the front-end's spelling, e.g. {@code limiter.policies.api.tier-key}
   */
  public String name(String part) {
    return name.apply(part);
  }

  /**
   * @param part a vocabulary name
   * @return where it is (or would be) set, e.g. {@code property limiter.policies.api.tier-key}
   */
  public String label(String part) {
    Setting s = values.get(part);
    return s != null ? s.label() : source + " " + name.apply(part);
  }

  /** @return the settings as given, by vocabulary name */
  public Map<String, Setting> values() {
    return Collections.unmodifiableMap(values);
  }

  /**
   * Reads a named policy: its limits (required) and options.
   *
   * @param name the policy's name
   * @param problems receives every problem
   * @return the policy, or null if anything was wrong
   */
  public @Nullable LimitPolicy policy(String name, Problems problems) {
    LimitPolicy.Builder p;
    try {
      p = LimitPolicy.builder(name);
    } catch (IllegalArgumentException e) {
      problems.add(label("*") + ": " + e.getMessage());
      return null;
    }
    int before = problems.size();
    if (!has("limits")) {
      problems.add(label("limits") + " is missing; set it to a rate such as 100/minute or \"10/second; 1000/hour\"");
    } else {
      problems.read(get("limits"), Setting::value, p::limits);
    }
    options(p::algorithm, p::cost, p::shadow, p::failureMode, problems);
    if (problems.size() > before) {
      return null;
    }
    try {
      return p.build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      // limits is set: a policy without it returned above
      problems.add(Objects.requireNonNull(get("limits")).where() + ": " + e.getMessage());
      return null;
    }
  }

  /**
   * Reads the options an inline policy shares with a named one, each through the caller's setter.
   *
   * @param algorithm takes {@code algorithm}
   * @param cost takes {@code cost}
   * @param shadow takes {@code shadow}
   * @param failureMode takes {@code failure-mode}
   * @param problems receives every problem
   */
  public void options(Consumer<Algorithm> algorithm, LongConsumer cost, Consumer<Boolean> shadow,
      Consumer<FailureMode> failureMode, Problems problems) {
    problems.read(get("algorithm"), Setting::asAlgorithm, algorithm);
    problems.read(get("cost"), Setting::asLong, cost::accept);
    problems.read(get("shadow"), Setting::asBoolean, shadow);
    problems.read(get("failure-mode"), Setting::asFailureMode, failureMode);
  }

  /**
   * @param problems receives a problem if the value is not a strategy
   * @return the {@code missing-key} strategy, or null if not set (or wrong)
   */
  public @Nullable MissingKeyStrategy missingKey(Problems problems) {
    MissingKeyStrategy[] out = new MissingKeyStrategy[1];
    if (has("missing-key")) {
      problems.read(get("missing-key"), Setting::asMissingKey, s -> out[0] = s);
    }
    return out[0];
  }

  /**
   * @param problems receives every parse problem, naming its setting and position
   * @return the step-function throttling parts, whose {@link StepParts#build} checks their combination
   */
  public StepParts steps(Problems problems) {
    return StepParts.parse(text("tiers"), text("tier-key"), text("schedule"), text("adaptive"), text("penalty"),
        this::label, problems.lines());
  }

  private @Nullable String text(String name) {
    Setting s = values.get(name);
    return s == null ? null : s.value();
  }

  private static List<String> names(List<String> first, List<String> then) {
    List<String> all = new ArrayList<>(first);
    all.addAll(then);
    return List.copyOf(all);
  }
}
