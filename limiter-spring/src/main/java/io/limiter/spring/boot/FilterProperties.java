package io.limiter.spring.boot;

import io.limiter.core.Algorithm;
import io.limiter.core.FailureMode;
import io.limiter.core.RateLimitConfigException;
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
 * Reads {@code limiter.client-ip.*} and {@code limiter.filter.*} into limiter-web's request layer, for every web
 * front-end: the servlet filter ({@link ServletProperties}) and the WebFlux filter pass the same rules and stepped
 * policies to their builders, so both accept the same values and report the same problems, each naming its property
 * and value. Names no servlet or reactive type: it loads in any application.
 */
final class FilterProperties {

  private FilterProperties() {
  }

  /**
   * @param properties the properties
   * @return the client IP resolver of {@code limiter.client-ip.*}
   * @throws RateLimitConfigException listing every problem
   */
  static ClientIpResolver clientIp(LimiterProperties properties) {
    Problems problems = new Problems();
    ClientIpResolver resolver = ClientIpResolver.builder()
        .build(PolicyProperties.limiterSettings(properties, problems), problems);
    problems.throwIfAny();
    return Objects.requireNonNull(resolver, "built without problems");
  }

  /**
   * Passes the stepped limiters of configured policies (sharing their state and penalty box with the annotations;
   * the filter finds the tier from the request) and the rules of {@code limiter.filter.rules} to a front-end's
   * builder. A policy whose tier key a filter cannot evaluate (SpEL) is a problem only for the rules that use it.
   *
   * @param properties the properties
   * @param policies the policies of {@code limiter.policies.*}
   * @param steps the stepped limiters of configured policies
   * @param problems receives every problem
   * @param stepped the builder's {@code steppedPolicy}; it may refuse with {@link IllegalArgumentException}
   * @param rule the builder's {@code rule}
   */
  static void rules(LimiterProperties properties, PolicyProperties policies, SteppedLimiterRegistry steps,
      List<String> problems, BiConsumer<SteppedRateLimiter<String>, @Nullable TierResolver<HttpRequestView>> stepped,
      Consumer<RateLimitRule> rule) {
    Map<String, String> noTierKey = new HashMap<>();
    for (String name : properties.getPolicies().keySet()) {
      SteppedLimiterRegistry.Entry entry = steps.find(name);
      if (entry == null) {
        continue;
      }
      String tierKey = entry.parts().tierKey();
      try {
        stepped.accept(entry.limiter(), tierKey == null ? null : TierKeys.forRequests(tierKey));
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
      RateLimitRule r = rule(rules.get(i), i, policies.settings()::get, problems);
      if (r != null) {
        rule.accept(r);
      }
    }
  }

  /**
   * Builds a front-end once its builder has everything, or fails with every problem: those found reading the
   * properties, else the builder's own, each prefixed with {@code limiter.filter: }.
   *
   * @param problems the problems found so far
   * @param build builds the front-end
   * @param <T> the front-end
   * @return what {@code build} returns
   * @throws RateLimitConfigException listing every problem
   */
  static <T> T build(List<String> problems, Supplier<T> build) {
    if (problems.isEmpty()) {
      try {
        return build.get();
      } catch (RateLimitConfigException e) {
        e.problems().forEach(p -> problems.add("limiter.filter: " + p));
      }
    }
    throw new RateLimitConfigException(problems);
  }

  /**
   * The thin adapter: a rule's bound properties as settings of the one model, read by limiter-web's
   * {@link RateLimitRule#read} like the servlet filter's init-params. The options of an inline policy are passed only
   * when set to something else than their defaults, or with inline limits (a bound property cannot tell "unset").
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
