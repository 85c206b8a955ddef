package io.limiter.spring.boot;

import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.spring.PolicyDefaults;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The validated policies of {@code limiter.policies.*} and {@code limiter.missing-key}: every problem is collected
 * and reported in one {@link RateLimitConfigException}, each naming its property and value.
 *
 * @param policies the policies, in property order
 * @param defaults the key and missing-key strategy of each policy
 * @param missingKey the default missing-key strategy
 * @param settings the policies' settings in the one model, by name
 */
record PolicyProperties(List<LimitPolicy> policies, PolicyDefaults defaults, MissingKeyStrategy missingKey,
    Map<String, PolicySettings> settings) {

  static PolicyProperties read(LimiterProperties properties) {
    List<String> problems = new ArrayList<>();
    Problems collected = new Problems(problems);
    MissingKeyStrategy missingKey = missingKey("limiter.missing-key", properties.getMissingKey(), problems);
    List<LimitPolicy> policies = new ArrayList<>();
    Map<String, String> keys = new LinkedHashMap<>();
    Map<String, MissingKeyStrategy> missingKeys = new LinkedHashMap<>();
    Map<String, PolicySettings> all = new LinkedHashMap<>();
    properties.getPolicies().forEach((name, p) -> {
      PolicySettings settings = settings(name, p, collected);
      all.put(name, settings);
      LimitPolicy policy = settings.policy(name, collected);
      if (policy != null) {
        policies.add(policy);
      }
      if (settings.has("key")) {
        keys.put(name, settings.get("key").value());
      }
      MissingKeyStrategy s = settings.missingKey(collected);
      if (s != null) {
        missingKeys.put(name, s);
      }
    });
    collected.throwIfAny();
    return new PolicyProperties(List.copyOf(policies), new PolicyDefaults(keys, missingKeys), missingKey, all);
  }

  /**
   * The thin adapter: a policy's bound properties as settings of the one model, named as the user wrote them.
   *
   * @param name the policy's name
   * @param p its properties
   * @param problems receives problems
   * @return the settings
   */
  static PolicySettings settings(String name, LimiterProperties.Policy p, Problems problems) {
    String prefix = "limiter.policies." + name + ".";
    Map<String, Setting> values = new LinkedHashMap<>();
    // in the order of PolicySettings.POLICY
    Object[] bound = {p.getLimits(), p.getAlgorithm(), p.getCost(), p.isShadow(), p.getFailureMode(), p.getKey(),
        p.getMissingKey(), p.getTiers(), p.getTierKey(), p.getSchedule(), p.getAdaptive(), p.getPenalty()};
    for (int i = 0; i < bound.length; i++) {
      if (bound[i] != null) {
        String part = PolicySettings.POLICY.get(i);
        values.put(part, Setting.property(prefix + part, bound[i]));
      }
    }
    return PolicySettings.of(values, PolicySettings.POLICY, "property", part -> prefix + part, problems);
  }

  static MissingKeyStrategy missingKey(String property, String value, List<String> problems) {
    try {
      return MissingKeyStrategy.parse(value == null ? "reject" : value);
    } catch (IllegalArgumentException e) {
      problems.add(property + "=\"" + value + "\": " + e.getMessage());
      return null;
    }
  }
}
