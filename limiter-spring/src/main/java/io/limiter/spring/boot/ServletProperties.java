package io.limiter.spring.boot;

import io.limiter.core.Algorithm;
import io.limiter.core.FailureMode;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.servlet.RateLimitFilter;
import io.limiter.spring.internal.MergedRateLimitAnnotations;
import io.limiter.spring.internal.TierKeys;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Builds limiter-servlet's {@link ClientIpResolver} and {@link RateLimitFilter} from {@code limiter.client-ip.*} and
 * {@code limiter.filter.*}, collecting every problem with its property and value. Loaded only with the servlet API.
 */
final class ServletProperties {

  private ServletProperties() {
  }

  static ClientIpResolver clientIp(LimiterProperties properties) {
    Problems problems = new Problems();
    ClientIpResolver resolver = ClientIpResolver.builder()
        .build(PolicyProperties.limiterSettings(properties, problems), problems);
    problems.throwIfAny();
    return Objects.requireNonNull(resolver, "built without problems");
  }

  static RateLimitFilter filter(LimiterProperties properties, RateLimiterRegistry registry,
      ClientIpResolver clientIp, @Nullable StoreFailureHandler failureHandler, PolicyProperties policies,
      SteppedLimiterRegistry steps) {
    List<String> problems = new ArrayList<>();
    LimiterProperties.Filter f = properties.getFilter();
    RateLimitFilter.Builder builder = RateLimitFilter.builder()
        .registry(registry)
        .controllers(steps.controllers())
        .clientIp(clientIp)
        .annotationLookup(MergedRateLimitAnnotations.INSTANCE);
    if (failureHandler != null) {
      builder.failureHandler(failureHandler);
    }
    Problems collected = new Problems(problems);
    builder.settings(PolicyProperties.limiterSettings(properties, collected), collected);
    // Policies with steps share their stepped limiter (and penalty box) with the annotations; the filter finds the
    // tier from the request. A SpEL tier key is an error only for rules that use the policy.
    Map<String, String> noTierKey = new HashMap<>();
    for (String name : properties.getPolicies().keySet()) {
      SteppedLimiterRegistry.Entry entry = steps.find(name);
      if (entry == null) {
        continue;
      }
      String tierKey = entry.parts().tierKey();
      try {
        builder.steppedPolicy(entry.limiter(), tierKey == null ? null : TierKeys.forRequests(tierKey));
      } catch (IllegalArgumentException e) {
        noTierKey.put(name, entry.parts().label("tier-key") + ": " + e.getMessage());
      }
    }
    List<LimiterProperties.Rule> rules = f.getRules();
    for (int i = 0; i < rules.size(); i++) {
      String given = rules.get(i).getPolicy();
      String policy = given == null ? null : given.trim();
      if (policy != null && noTierKey.containsKey(policy)) {
        problems.add("property limiter.filter.rules[" + i + "].policy=\"" + policy + "\": "
            + noTierKey.get(policy));
        continue;
      }
      RateLimitRule rule = rule(rules.get(i), i, policies, problems);
      if (rule != null) {
        builder.rule(rule);
      }
    }
    if (problems.isEmpty()) {
      try {
        return builder.build();
      } catch (RateLimitConfigException e) {
        e.problems().forEach(p -> problems.add("limiter.filter: " + p));
      }
    }
    throw new RateLimitConfigException(problems);
  }

  static @Nullable RateLimitRule rule(LimiterProperties.Rule r, int index, PolicyProperties policies,
      List<String> problems) {
    return rule(r, index, policies.settings()::get, problems);
  }

  /**
   * The thin adapter: a rule's bound properties as settings of the one model, read by limiter-servlet's
   * {@link RateLimitRule#read} like the filter's init-params. The options of an inline policy are passed only when
   * set to something else than their defaults, or with inline limits (a bound property cannot tell "unset").
   */
  static @Nullable RateLimitRule rule(LimiterProperties.Rule r, int index,
      java.util.function.Function<String, PolicySettings> policies, List<String> problems) {
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
