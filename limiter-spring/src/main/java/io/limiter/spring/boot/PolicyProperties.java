package io.limiter.spring.boot;

import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpecException;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.internal.PolicyDefaults;
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
 */
record PolicyProperties(List<LimitPolicy> policies, PolicyDefaults defaults, MissingKeyStrategy missingKey) {

  static PolicyProperties read(LimiterProperties properties) {
    List<String> problems = new ArrayList<>();
    MissingKeyStrategy missingKey = missingKey("limiter.missing-key", properties.getMissingKey(), problems);
    List<LimitPolicy> policies = new ArrayList<>();
    Map<String, String> keys = new LinkedHashMap<>();
    Map<String, MissingKeyStrategy> missingKeys = new LinkedHashMap<>();
    properties.getPolicies().forEach((name, p) -> {
      String prefix = "limiter.policies." + name + ".";
      if (p.getLimits() == null || p.getLimits().isBlank()) {
        problems.add(prefix + "limits is missing; set it to a rate spec such as \"10/minute; 1000/day\"");
        return;
      }
      try {
        LimitPolicy.Builder builder = LimitPolicy.builder(name).limits(p.getLimits());
        builder.algorithm(p.getAlgorithm()).shadow(p.isShadow()).failureMode(p.getFailureMode());
        if (p.getCost() < 1) {
          problems.add(prefix + "cost must be >= 1 but was " + p.getCost());
        } else {
          policies.add(builder.cost(p.getCost()).build());
        }
      } catch (LimitSpecException e) {
        problems.add(prefix + "limits=\"" + p.getLimits() + "\" is not a rate spec: " + e.getMessage());
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(prefix + "limits=\"" + p.getLimits() + "\": " + e.getMessage());
      }
      if (p.getKey() != null && !p.getKey().isBlank()) {
        keys.put(name, p.getKey().trim());
      }
      if (p.getMissingKey() != null) {
        MissingKeyStrategy s = missingKey(prefix + "missing-key", p.getMissingKey(), problems);
        if (s != null) {
          missingKeys.put(name, s);
        }
      }
    });
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
    return new PolicyProperties(List.copyOf(policies), new PolicyDefaults(keys, missingKeys), missingKey);
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
