package io.limiter.web;

import io.limiter.core.Algorithm;
import io.limiter.core.ChargeOn;
import io.limiter.core.FailureMode;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.web.internal.ActualCost;
import io.limiter.web.internal.Binding;
import io.limiter.web.internal.PathPattern;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A path rule of Limiter's web filters (limiter-servlet's {@code RateLimitFilter}, the WebFlux filter): requests whose canonical path matches one of {@link #paths()} and whose
 * method is one of {@link #methods()} take {@link #cost()} permits from a policy, per client key.
 *
 * <pre>{@code
 * RateLimitRule search = RateLimitRule.builder("search")
 *     .paths("/api/search/*")
 *     .methods("GET")
 *     .limits("10/second; 1000/hour")
 *     .key("header:X-API-Key")
 *     .build();
 * }</pre>
 *
 * <p>The policy is either inline ({@link Builder#limits(String)} and the other policy setters; it is named after the
 * rule) or a named policy defined elsewhere ({@link Builder#policy(String)}), or given whole
 * ({@link Builder#policy(LimitPolicy)}). Path syntax: exact ({@code /api/data}), servlet-style prefix
 * ({@code /api/*}: {@code /api} and everything below), extension ({@code *.json}), globs ({@code *} within a segment,
 * {@code **} for any number of segments); {@code /**} matches every path. A rule with {@code GET} also matches
 * {@code HEAD}, which servlets answer by running {@code doGet}. Immutable and thread-safe.
 */
public final class RateLimitRule {

  private final String name;
  private final List<String> paths;
  private final Set<String> methods;
  private final @Nullable LimitPolicy policy;
  private final String policyName;
  private final long cost;
  private final @Nullable KeyReference keyReference;
  private final @Nullable KeyResolver<HttpRequestView> keyResolver;
  private final @Nullable MissingKeyStrategy missingKey;
  private final StepSettings steps;
  private final ChargeOn chargeOn;
  private final @Nullable ActualCost actualCost;

  private RateLimitRule(Builder b, @Nullable LimitPolicy policy) {
    this.name = b.name;
    this.paths = List.copyOf(b.paths);
    this.methods = Set.copyOf(b.methods);
    this.policy = policy;
    // build() checked that there is exactly one of limits, a policy and a policy name
    this.policyName = policy != null ? policy.name() : Objects.requireNonNull(b.policyName, "policyName");
    this.cost = b.cost;
    this.keyReference = b.keyReference;
    this.keyResolver = b.keyResolver;
    this.missingKey = b.missingKey;
    this.steps = b.steps;
    this.chargeOn = b.chargeOn;
    this.actualCost = b.actualCost;
  }

  /** @return where the actual cost is read when the response is complete ({@code attribute:x}), or null */
  public @Nullable String actualCost() {
    return actualCost == null ? null : actualCost.toString();
  }

  /** @return which outcomes keep a request's permits ({@link ChargeOn#always()}: every admitted request's) */
  public ChargeOn chargeOn() {
    return chargeOn;
  }

  /**
   * Reads a rule of the one settings model: the servlet init-params ({@code rule.<name>.*}) and Spring Boot's
   * {@code limiter.filter.rules[i]} both come here, so they accept the same values and report the same problems,
   * each naming its setting as the user wrote it.
   *
   * @param name the rule's name
   * @param settings its settings ({@link PolicySettings#RULE})
   * @param namedPolicies the settings of named policies by name (or null): their {@code key} and
   *     {@code missing-key} are the defaults of the rules that use them
   * @param problems receives every problem
   * @return the rule, or null if anything was wrong
   */
  public static @Nullable RateLimitRule read(String name, PolicySettings settings,
      java.util.function.@Nullable Function<String, PolicySettings> namedPolicies, Problems problems) {
    String where = settings.label("*");
    Builder r;
    try {
      r = builder(name);
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
      return null;
    }
    int before = problems.size();
    if (!settings.has("paths")) {
      problems.add(settings.label("paths") + " is missing; set one or more path patterns such as /api/*");
    } else {
      problems.read(settings.get("paths"), Setting::asList, paths -> paths.forEach(r::paths));
    }
    problems.read(settings.get("methods"), Setting::asList, methods -> methods.forEach(r::methods));
    if (settings.has("limits") == settings.has("policy")) {
      problems.add(where + ": set exactly one of " + settings.name("limits") + " (e.g. 10/minute) and "
          + settings.name("policy") + " (a named policy)");
    }
    problems.read(settings.get("limits"), Setting::value, r::limits);
    problems.read(settings.get("policy"), Setting::value, r::policy);
    problems.read(settings.get("charge-on"), Setting::value, r::chargeOn);
    problems.read(settings.get("actual-cost"), Setting::value, r::actualCost);
    settings.options(r::algorithm, r::cost, r::shadow, r::failureMode, problems);
    PolicySettings named = settings.has("policy") && namedPolicies != null
        ? namedPolicies.apply(Objects.requireNonNull(settings.get("policy")).value()) : null;
    PolicySettings keyed = settings.has("key") || named == null ? settings : named;
    problems.read(keyed.get("key"), Setting::value, r::key);
    MissingKeyStrategy missingKey = settings.has("missing-key") || named == null ? settings.missingKey(problems)
        : named.missingKey(new Problems());
    if (missingKey != null) {
      r.missingKey(missingKey);
    }
    r.steps(StepSettings.read(settings, problems));
    if (problems.size() > before) {
      return null;
    }
    try {
      return r.build();
    } catch (RateLimitConfigException e) {
      for (String p : e.problems()) {
        problems.add(where + ": " + p.replaceFirst("^rule " + java.util.regex.Pattern.quote(name) + ": ", ""));
      }
      return null;
    }
  }

  /**
   * @param name the rule's name; an inline policy gets this name, which clients see in the {@code RateLimit} fields
   * @return a new builder
   */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** @return the rule's name */
  public String name() {
    return name;
  }

  /** @return the path patterns, at least one */
  public List<String> paths() {
    return paths;
  }

  /** @return the HTTP methods (upper case), or empty for every method */
  public Set<String> methods() {
    return methods;
  }

  /** @return the policy, or null if the rule refers to a named policy ({@link #policyName()}) */
  public @Nullable LimitPolicy policy() {
    return policy;
  }

  /** @return the name of the policy the rule charges */
  public String policyName() {
    return policyName;
  }

  /** @return the permits a request takes, or 0 for the policy's own {@link LimitPolicy#cost()} */
  public long cost() {
    return cost;
  }

  /** @return the key reference, or null if a custom resolver or the filter's default key is used */
  public @Nullable KeyReference keyReference() {
    return keyReference;
  }

  /** @return the custom key resolver, or null */
  public @Nullable KeyResolver<HttpRequestView> keyResolver() {
    return keyResolver;
  }

  /** @return the rule's missing-key strategy, or null for the filter's default */
  public @Nullable MissingKeyStrategy missingKey() {
    return missingKey;
  }

  /**
   * @return the step-function throttling of the rule's inline policy; {@link StepSettings#none()} if it has none (a
   *     named policy brings its own)
   */
  public StepSettings steps() {
    return steps;
  }

  @Override
  public String toString() {
    return "RateLimitRule{" + name + ": " + paths + (methods.isEmpty() ? "" : " " + methods) + " -> "
        + (policy != null ? policy : "policy " + policyName) + (keyReference != null ? ", key " + keyReference : "")
        + "}";
  }

  /**
   * Builds a {@link RateLimitRule}. Each setter validates its value and throws {@link IllegalArgumentException};
   * {@link #build()} checks the combination and reports every problem at once. Not thread-safe.
   */
  public static final class Builder {
    private final String name;
    private final List<String> paths = new ArrayList<>();
    private final Set<String> methods = new LinkedHashSet<>();
    private @Nullable LimitSpec limits;
    private @Nullable Algorithm algorithm;
    private @Nullable Boolean shadow;
    private @Nullable FailureMode failureMode;
    private @Nullable LimitPolicy policy;
    private @Nullable String policyName;
    private long cost;
    private @Nullable KeyReference keyReference;
    private @Nullable KeyResolver<HttpRequestView> keyResolver;
    private @Nullable MissingKeyStrategy missingKey;
    private StepSettings steps = StepSettings.none();
    private ChargeOn chargeOn = ChargeOn.always();
    private @Nullable ActualCost actualCost;

    private Builder(String name) {
      this.name = Objects.requireNonNull(name, "name");
      LimitPolicy.builder(name); // validates the name as a policy name
    }

    /**
     * Adds path patterns.
     *
     * @param patterns e.g. {@code /api/*}, {@code /files/**}{@code /*.zip}, {@code *.json}
     * @return this builder
     * @throws IllegalArgumentException if a pattern is malformed
     */
    public Builder paths(String... patterns) {
      for (String p : patterns) {
        PathPattern.validate(p);
        paths.add(p.trim());
      }
      return this;
    }

    /**
     * Restricts the rule to HTTP methods; without this it applies to every method.
     *
     * @param httpMethods e.g. {@code GET}, {@code POST} (case-insensitive)
     * @return this builder
     * @throws IllegalArgumentException if a method is not an HTTP token
     */
    public Builder methods(String... httpMethods) {
      for (String m : httpMethods) {
        String method = m.trim().toUpperCase(Locale.ROOT);
        if (!method.matches("[A-Z0-9!#$%&'*+.^_`|~-]+")) {
          throw new IllegalArgumentException("HTTP method must be a token such as GET or POST but was \"" + m + "\"");
        }
        methods.add(method);
      }
      return this;
    }

    /**
     * Sets the limits of an inline policy named after the rule.
     *
     * @param spec e.g. {@code 10/second; 1000/hour}
     * @return this builder
     * @throws io.limiter.core.LimitSpecException if the spec does not parse
     */
    public Builder limits(String spec) {
      this.limits = LimitSpec.parse(spec);
      return this;
    }

    /**
     * @param spec the limits of an inline policy
     * @return this builder
     */
    public Builder limits(LimitSpec spec) {
      this.limits = Objects.requireNonNull(spec, "spec");
      return this;
    }

    /**
     * @param algorithm the algorithm of the inline policy; default {@link Algorithm#TOKEN_BUCKET}
     * @return this builder
     */
    public Builder algorithm(Algorithm algorithm) {
      this.algorithm = Objects.requireNonNull(algorithm, "algorithm");
      return this;
    }

    /**
     * @param shadow whether the inline policy only observes: over-limit requests pass and are reported
     * @return this builder
     */
    public Builder shadow(boolean shadow) {
      this.shadow = shadow;
      return this;
    }

    /**
     * @param failureMode what the inline policy does when the store fails; default fail-open
     * @return this builder
     */
    public Builder failureMode(FailureMode failureMode) {
      this.failureMode = Objects.requireNonNull(failureMode, "failureMode");
      return this;
    }

    /**
     * Uses a complete policy instead of inline limits.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(LimitPolicy policy) {
      this.policy = Objects.requireNonNull(policy, "policy");
      return this;
    }

    /**
     * Refers to a policy defined in the filter ({@code policy.<name>.*} init-params,
     * {@code RateLimitFilter.Builder.policy(LimitPolicy)}, {@code limiter.policies.<name>}) or in its registry.
     *
     * @param name the policy name
     * @return this builder
     */
    public Builder policy(String name) {
      if (Objects.requireNonNull(name, "name").isBlank()) {
        throw new IllegalArgumentException("policy name must not be blank");
      }
      this.policyName = name.trim();
      return this;
    }

    /**
     * Sets the permits one request takes; default: the policy's cost (1 unless the policy says otherwise).
     *
     * @param cost at least 1
     * @return this builder
     */
    public Builder cost(long cost) {
      if (cost < 1) {
        throw new IllegalArgumentException("cost must be >= 1 but was " + cost);
      }
      this.cost = cost;
      return this;
    }

    /**
     * Charges on outcome: a request's permits are reserved before the chain runs and kept only if the response's
     * status (or the exception the chain throws) matches, e.g. {@code "401,403"}, {@code "5xx"} or
     * {@code "java.io.IOException"}; otherwise refunded when the response is complete (for an async request, when it
     * completes). Default: every admitted request keeps its permits.
     *
     * @param notation in the notation of {@link ChargeOn}
     * @return this builder
     * @throws IllegalArgumentException if the notation does not parse
     */
    public Builder chargeOn(String notation) {
      this.chargeOn = ChargeOn.parse(notation);
      return this;
    }

    /**
     * Cost from the result: the rule's cost is reserved before the chain runs, as an estimate, and settled to the
     * cost the application reports once the response is complete (for an async or streamed response, when it
     * completes): in a request attribute ({@code "attribute:tokens"}, a number or decimal text) or a response header
     * ({@code "header:X-Tokens-Used"}). A missing or invalid value, or a request that failed, keeps the estimate.
     *
     * @param notation {@code attribute:<name>} or {@code header:<name>}
     * @return this builder
     * @throws IllegalArgumentException if the notation does not parse
     */
    public Builder actualCost(String notation) {
      this.actualCost = ActualCost.parse(notation);
      return this;
    }

    /**
     * Sets the client key by reference; default: the filter's default key (the client IP).
     *
     * @param reference e.g. {@code ip}, {@code header:X-API-Key}, {@code principal}, {@code attribute:tenant},
     *     {@code global}, or a comma-separated combination
     * @return this builder
     * @throws IllegalArgumentException if the reference does not parse
     */
    public Builder key(String reference) {
      this.keyReference = KeyReference.parse(reference);
      this.keyResolver = null;
      return this;
    }

    /**
     * Sets a custom key resolver.
     *
     * @param resolver the resolver; it answers null when the request carries no key. Its answers are stored as
     *     {@link io.limiter.core.KeyKind#CUSTOM} keys ({@code x:<answer>}), so they never share state with keys of
     *     another kind. A resolver written against {@code HttpServletRequest} is adapted by
     *     limiter-servlet's {@code ServletRequestView.resolver(KeyResolver)}
     * @return this builder
     */
    public Builder key(KeyResolver<HttpRequestView> resolver) {
      this.keyResolver = Objects.requireNonNull(resolver, "resolver");
      this.keyReference = null;
      return this;
    }

    /**
     * Sets what happens to requests without a key; default: the filter's strategy (reject).
     *
     * @param strategy the strategy
     * @return this builder
     */
    public Builder missingKey(MissingKeyStrategy strategy) {
      this.missingKey = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /**
     * Adds step-function throttling (tiers, schedule, adaptive level, penalty box) to the rule's inline policy. A
     * named policy has its own ({@code RateLimitFilter.Builder.policy(LimitPolicy, StepSettings)}, {@code limiter.policies.<name>}).
     *
     * @param steps the step settings
     * @return this builder
     */
    public Builder steps(StepSettings steps) {
      this.steps = Objects.requireNonNull(steps, "steps");
      return this;
    }

    /**
     * @return the rule
     * @throws RateLimitConfigException listing every problem: no paths, no policy or two, policy options or step
     *     settings on a referenced policy, an inconsistent inline policy
     */
    public RateLimitRule build() {
      List<String> problems = new ArrayList<>();
      String where = "rule " + name + ": ";
      if (paths.isEmpty()) {
        problems.add(where + "needs at least one path pattern");
      }
      int sources = (limits != null ? 1 : 0) + (policy != null ? 1 : 0) + (policyName != null ? 1 : 0);
      if (sources == 0) {
        problems.add(where + "needs limits (e.g. 10/minute) or the name of a policy");
      } else if (sources > 1) {
        problems.add(where + "sets more than one of limits, a policy and a policy name; choose one");
      }
      if (limits == null && (algorithm != null || shadow != null || failureMode != null)) {
        problems.add(where + "algorithm, shadow and failure-mode belong to inline limits; set them on the policy "
            + (policyName != null ? policyName : "") + " instead");
      }
      if (policyName != null && !steps.isEmpty()) {
        problems.add(where + String.join(", ", steps.parts()) + (steps.parts().size() == 1 ? " belongs" : " belong")
            + " to inline limits; set " + (steps.parts().size() == 1 ? "it" : "them") + " on the policy " + policyName
            + " instead");
      }
      LimitPolicy built = policy;
      if (limits != null && sources == 1) {
        try {
          LimitPolicy.Builder pb = LimitPolicy.builder(name).limits(limits);
          if (algorithm != null) {
            pb.algorithm(algorithm);
          }
          if (shadow != null) {
            pb.shadow(shadow);
          }
          if (failureMode != null) {
            pb.failureMode(failureMode);
          }
          if (cost > 0) {
            pb.cost(cost);
          }
          built = pb.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
          problems.add(where + e.getMessage());
        }
      } else if (built != null && cost > 0) {
        Binding.checkCost(built, cost, problems, where);
      }
      if (!problems.isEmpty()) {
        throw new RateLimitConfigException(problems);
      }
      return new RateLimitRule(this, built);
    }
  }
}
