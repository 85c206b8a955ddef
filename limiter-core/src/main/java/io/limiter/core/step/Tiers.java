package io.limiter.core.step;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.internal.step.SpecProblems;
import io.limiter.core.internal.step.SpecReader;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Client tiers (plans) of a policy: each tier name maps to the limits of its clients, and one tier may be the default
 * for clients whose tier is missing or unknown. A {@link TierResolver} names the tier of each request.
 *
 * <pre>{@code
 * Tiers tiers = Tiers.parse("free=10/minute; pro=1000/minute; internal=unlimited; default=free");
 * }</pre>
 *
 * <h2>Spec</h2>
 * Entries {@code <tier>=<value>} separated by {@code ;}, {@code ,} or {@code |}. The value is a {@link StepLimits}:
 * a rate spec ({@code pro=100/second; 10000/day} — a separator followed by another rate continues the value), a
 * percentage of the policy's own limits ({@code partner=200%}), or {@code unlimited} (the store is skipped
 * entirely). The entry {@code default=<tier>} names the tier of clients without a known tier; without it they get the
 * <em>lowest</em> tier (the one at or below every other on each limit; the builder refuses tiers without one), so a
 * missing, unknown or forged tier name never earns more than the least plan. Tier names consist of ASCII letters,
 * digits, {@code _}, {@code -}, {@code .} and {@code :} (at most 64) and match exactly or with ASCII letters folded to
 * lower case; no other character folds, so a look-alike such as {@code ınternal} or {@code İnternal} is an unknown
 * tier. {@code default} is reserved.
 *
 * <p>Every tier's limits must fit the state the store keeps for the policy (same number of limits; for the window
 * algorithms the same periods); {@link SteppedRateLimiter.Builder#build()} checks this. Immutable and thread-safe.
 */
public final class Tiers {

  private static final String DEFAULT = "default";

  private final Map<String, Tier> tiers;
  private final @Nullable String defaultTier;

  private Tiers(Map<String, Tier> tiers, @Nullable String defaultTier) {
    this.tiers = Collections.unmodifiableMap(new LinkedHashMap<>(tiers));
    this.defaultTier = defaultTier;
  }

  /**
   * One tier. The name is checked (see the class comment) and lower-cased; a {@code block} value is refused
   * ({@link IllegalArgumentException}).
   *
   * @param name the tier's name, lower-case
   * @param limits its limits: {@link StepLimits.Kind#LIMITS}, {@link StepLimits.Kind#FACTOR} or
   *     {@link StepLimits.Kind#UNLIMITED}
   */
  public record Tier(String name, StepLimits limits) {
    public Tier {
      Objects.requireNonNull(limits, "limits");
      String problem = nameProblem(name);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
      if (limits.kind() == StepLimits.Kind.BLOCK) {
        throw new IllegalArgumentException("tier " + name + " cannot be block; use a rate, a percentage or unlimited");
      }
      name = name.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return name + "=" + limits;
    }
  }

  /**
   * Parses a tier spec.
   *
   * @param spec e.g. {@code "free=10/minute; pro=1000/minute; internal=unlimited; default=free"}
   * @return the tiers
   * @throws RateLimitConfigException listing every problem with its position
   */
  public static Tiers parse(String spec) {
    return parse(spec, null);
  }

  /**
   * Parses a tier spec that came from configuration.
   *
   * @param spec the spec
   * @param source where it came from, for the messages: {@code init-param rule.api.tiers}; or null
   * @return the tiers
   * @throws RateLimitConfigException listing every problem, each naming the source, the spec and the position
   */
  public static Tiers parse(String spec, @Nullable String source) {
    Objects.requireNonNull(spec, "spec");
    return SpecProblems.collect(problems -> parse(spec, source, problems));
  }

  /** Parses, reporting every problem into {@code problems}; null if there were any. */
  static @Nullable Tiers parse(String spec, @Nullable String source, List<String> problems) {
    SpecProblems p = new SpecProblems("tier spec", spec, source, problems);
    Map<String, Tier> tiers = new LinkedHashMap<>();
    String defaultTier = null;
    int defaultAt = -1;
    Set<String> seen = new LinkedHashSet<>();
    for (SpecReader.Entry e : SpecReader.entries(p)) {
      String name = e.name().toLowerCase(Locale.ROOT);
      if (name.equals(DEFAULT)) {
        if (defaultTier != null) {
          p.at(e.nameAt(), "default is given twice; expected it once");
        }
        String folded = SpecReader.asciiLowerCase(SpecReader.single(e, p));
        defaultTier = folded == null ? SpecReader.single(e, p) : folded;
        defaultAt = e.valueAt();
        continue;
      }
      String problem = nameProblem(e.name());
      if (problem != null) {
        p.at(e.nameAt(), problem);
        continue;
      }
      if (!seen.add(name)) {
        p.at(e.nameAt(), "tier " + name + " is defined twice (names match case-insensitively)");
        continue;
      }
      if (e.value().isEmpty()) {
        continue;
      }
      StepLimits value = StepLimits.parse(e.value(), e.valueAt(), p);
      if (value == null) {
        continue;
      }
      if (value.kind() == StepLimits.Kind.BLOCK) {
        p.at(e.valueAt(), "a tier cannot be block; expected a rate such as 10/minute, a percentage or unlimited");
        continue;
      }
      tiers.put(name, new Tier(name, value));
    }
    if (seen.isEmpty() && !p.found()) {
      p.whole("no tiers defined; expected entries such as free=10/minute");
    }
    if (defaultTier != null && !defaultTier.isEmpty() && !seen.contains(defaultTier)) {
      p.at(defaultAt, "default tier " + defaultTier + " is not defined; defined tiers: " + seen);
    }
    return p.found() ? null : new Tiers(tiers, defaultTier);
  }

  /**
   * Starts a builder for tiers defined in code.
   *
   * @return a new builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /** @return the tiers in the order defined */
  public List<Tier> tiers() {
    return List.copyOf(tiers.values());
  }

  /**
   * @param name a tier name, any case; null names no tier
   * @return the tier, if defined
   */
  public Optional<Tier> tier(@Nullable String name) {
    String folded = name == null ? null : SpecReader.asciiLowerCase(name);
    return folded == null ? Optional.empty() : Optional.ofNullable(tiers.get(folded));
  }

  /** @return the declared tier of clients whose tier is missing or unknown; empty means the lowest tier */
  public Optional<String> defaultTier() {
    return Optional.ofNullable(defaultTier);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return this == o || (o instanceof Tiers other && tiers.equals(other.tiers)
        && Objects.equals(defaultTier, other.defaultTier));
  }

  @Override
  public int hashCode() {
    return tiers.hashCode() * 31 + Objects.hashCode(defaultTier);
  }

  /** Returns the canonical spec, which {@link #parse(String)} reads back to equal tiers. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Tier t : tiers.values()) {
      sb.append(sb.length() == 0 ? "" : "; ").append(t);
    }
    if (defaultTier != null) {
      sb.append("; default=").append(defaultTier);
    }
    return sb.toString();
  }

  static @Nullable String nameProblem(@Nullable String name) {
    if (name == null || name.isEmpty()) {
      return "tier name must not be empty";
    }
    if (name.length() > 64) {
      return "tier name must be at most 64 characters but was " + name.length();
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
          || c == '-' || c == '.' || c == ':';
      if (!ok) {
        return "tier name \"" + name + "\" contains '" + c + "'; expected letters, digits, _, -, . or :";
      }
    }
    if (name.equalsIgnoreCase(DEFAULT)) {
      return "\"default\" is reserved for naming the default tier (default=<tier>)";
    }
    return null;
  }

  /** Builds {@link Tiers} in code; validates each tier when added. Not thread-safe. */
  public static final class Builder {
    private final Map<String, Tier> tiers = new LinkedHashMap<>();
    private @Nullable String defaultTier;


    private Builder() {
    }

    /**
     * Adds a tier.
     *
     * @param name the tier name
     * @param limits its limits (not {@code block})
     * @return this builder
     * @throws IllegalArgumentException for a bad or repeated name
     */
    public Builder tier(String name, StepLimits limits) {
      Tier tier = new Tier(name, limits);
      if (tiers.putIfAbsent(tier.name(), tier) != null) {
        throw new IllegalArgumentException("tier " + tier.name() + " is defined twice");
      }
      return this;
    }

    /**
     * Adds a tier from its text value.
     *
     * @param name the tier name
     * @param limits a rate spec, a percentage or {@code unlimited}
     * @return this builder
     */
    public Builder tier(String name, String limits) {
      return tier(name, StepLimits.parse(limits));
    }

    /**
     * Names the tier of clients whose tier is missing or unknown; by default they get the lowest tier.
     *
     * @param name a tier added to this builder
     * @return this builder
     */
    public Builder defaultTier(String name) {
      String folded = SpecReader.asciiLowerCase(Objects.requireNonNull(name, "name"));
      this.defaultTier = folded == null ? name : folded;
      return this;
    }

    /**
     * @return the tiers
     * @throws IllegalStateException if there are no tiers or the default tier is not defined
     */
    public Tiers build() {
      if (tiers.isEmpty()) {
        throw new IllegalStateException("no tiers defined");
      }
      if (defaultTier != null && !tiers.containsKey(defaultTier)) {
        throw new IllegalStateException("default tier " + defaultTier + " is not defined; defined tiers: "
            + tiers.keySet());
      }
      return new Tiers(tiers, defaultTier);
    }
  }
}
