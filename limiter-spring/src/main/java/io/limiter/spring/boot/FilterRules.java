package io.limiter.spring.boot;

import io.limiter.core.Algorithm;
import io.limiter.core.FailureMode;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.TierResolver;
import io.limiter.spring.internal.TierKeys;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.RateLimitRule;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.LimiterSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The URL rules of {@code limiter.filter.*} and the client IP of {@code limiter.client-ip.*}, read for any web stack:
 * the servlet filter and the WebFlux filter are configured by this one reading, every problem collected with its
 * property and value. Names no servlet or WebFlux type.
 */
final class FilterRules {

  private FilterRules() {
  }

  /** Takes the stepped limiter of a policy of {@code limiter.policies.*} and its tier key for requests, or null. */
  @FunctionalInterface
  interface SteppedPolicy {
    void accept(SteppedRateLimiter<String> limiter, @Nullable TierResolver<HttpRequestView> tierKey);
  }

  /**
   * Configures a filter's builder from the properties and builds the filter: the filter-wide settings, the stepped
   * policies and the rules, every problem of the whole in one {@link RateLimitConfigException}.
   *
   * @param properties the properties
   * @param policies the policies read from them
   * @param steps the stepped limiters of the policies
   * @param settings the builder's {@code settings(LimiterSettings, Problems)}
   * @param steppedPolicy the builder's {@code steppedPolicy}
   * @param rule the builder's {@code rule}
   * @param build the builder's {@code build}, called only without problems
   * @param <F> the filter
   * @return the filter
   * @throws RateLimitConfigException listing every problem
   */
  static <F> F build(LimiterProperties properties, PolicyProperties policies, SteppedLimiterRegistry steps,
      BiConsumer<LimiterSettings, Problems> settings, SteppedPolicy steppedPolicy, Consumer<RateLimitRule> rule,
      Supplier<F> build) {
    List<String> problems = new ArrayList<>();
    Problems collected = new Problems(problems);
    settings.accept(PolicyProperties.limiterSettings(properties, collected), collected);
    apply(properties, policies, steps, steppedPolicy, rule, problems);
    if (problems.isEmpty()) {
      try {
        return build.get();
      } catch (RateLimitConfigException e) {
        e.problems().forEach(p -> problems.add("limiter.filter: " + p));
      }
    }
    throw new RateLimitConfigException(problems);
  }

  static ClientIpResolver clientIp(LimiterProperties properties) {
    Problems problems = new Problems();
    ClientIpResolver resolver = ClientIpResolver.builder()
        .build(PolicyProperties.limiterSettings(properties, problems), problems);
    problems.throwIfAny();
    return Objects.requireNonNull(resolver, "built without problems");
  }

  /**
   * Hands the stepped policies and the rules to a filter's builder. Policies with steps share their stepped limiter
   * (and penalty box) with the annotations; the filter finds the tier from the request. A tier key the filter cannot
   * read (SpEL) is an error only for rules that use the policy.
   *
   * @param properties the properties
   * @param policies the policies read from them
   * @param steps the stepped limiters of the policies
   * @param steppedPolicy takes a stepped policy
   * @param sink takes a rule
   * @param problems receives every problem
   */
  private static void apply(LimiterProperties properties, PolicyProperties policies, SteppedLimiterRegistry steps,
      SteppedPolicy steppedPolicy, Consumer<RateLimitRule> sink, List<String> problems) {
    Map<String, String> noTierKey = new HashMap<>();
    for (String name : properties.getPolicies().keySet()) {
      SteppedLimiterRegistry.Entry entry = steps.find(name);
      if (entry == null) {
        continue;
      }
      String tierKey = entry.parts().tierKey();
      try {
        steppedPolicy.accept(entry.limiter(), tierKey == null ? null : TierKeys.forRequests(tierKey));
      } catch (IllegalArgumentException e) {
        noTierKey.put(name, entry.parts().label("tier-key") + ": " + e.getMessage());
      }
    }
    List<LimiterProperties.Rule> rules = properties.getFilter().getRules();
    for (int i = 0; i < rules.size(); i++) {
      String given = rules.get(i).getPolicy();
      String policy = given == null ? null : given.trim();
      if (policy != null && noTierKey.containsKey(policy)) {
        problems.add("property limiter.filter.rules[" + i + "].policy=\"" + policy + "\": "
            + noTierKey.get(policy));
        continue;
      }
      RateLimitRule rule = rule(rules.get(i), i, policies.settings()::get, problems);
      if (rule != null) {
        sink.accept(rule);
      }
    }
  }

  /**
   * The thin adapter: a rule's bound properties as settings of the one model, read by {@link RateLimitRule#read} like
   * the servlet filter's init-params. The options of an inline policy are passed only when set to something else than
   * their defaults, or with inline limits (a bound property cannot tell "unset").
   */
  static @Nullable RateLimitRule rule(LimiterProperties.Rule r, int index, Function<String, PolicySettings> policies,
      List<String> problems) {
    String prefix = "limiter.filter.rules[" + index + "].";
    String name = r.getName() == null || r.getName().isBlank() ? "rule-" + index : r.getName().trim();
    boolean inline = r.getLimits() != null && !r.getLimits().isBlank();
    Map<String, Setting> values = new LinkedHashMap<>();
    put(values, prefix, "paths", r.getPaths().isEmpty() ? null : r.getPaths());
    put(values, prefix, "methods", r.getMethods().isEmpty() ? null : r.getMethods());
    put(values, prefix, "limits", r.getLimits());
    put(values, prefix, "policy", r.getPolicy());
    put(values, prefix, "algorithm", inline || r.getAlgorithm() != Algorithm.TOKEN_BUCKET ? r.getAlgorithm() : null);
    put(values, prefix, "shadow", inline || r.isShadow() ? r.isShadow() : null);
    put(values, prefix, "failure-mode", inline || r.getFailureMode() != FailureMode.FAIL_OPEN ? r.getFailureMode()
        : null);
    put(values, prefix, "cost", r.getCost());
    put(values, prefix, "key", r.getKey());
    put(values, prefix, "missing-key", r.getMissingKey());
    put(values, prefix, "charge-on", r.getChargeOn());
    put(values, prefix, "actual-cost", r.getActualCost());
    Problems collected = new Problems(problems);
    PolicySettings settings = PolicySettings.of(values, PolicySettings.RULE, "property", part -> prefix + part,
        collected);
    return RateLimitRule.read(name, settings, policies, collected);
  }

  private static void put(Map<String, Setting> values, String prefix, String part, @Nullable Object value) {
    if (value != null) {
      values.put(part, Setting.property(prefix + part, value));
    }
  }
}
