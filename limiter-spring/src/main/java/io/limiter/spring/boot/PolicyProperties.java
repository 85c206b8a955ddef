package io.limiter.spring.boot;

import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.LimiterSettings;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.spring.PolicyDefaults;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
    Problems collected = new Problems();
    LimiterSettings global = limiterSettings(properties, collected);
    MissingKeyStrategy missingKey = global.get("missing-key") == null ? MissingKeyStrategy.reject()
        : global.missingKey(collected);
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
      if (settings.has("key")) { // so it is set
        keys.put(name, Objects.requireNonNull(settings.get("key")).value());
      }
      MissingKeyStrategy s = settings.missingKey(collected);
      if (s != null) {
        missingKeys.put(name, s);
      }
    });
    collected.throwIfAny();
    // null only with a problem, which was thrown
    return new PolicyProperties(List.copyOf(policies), new PolicyDefaults(keys, missingKeys),
        Objects.requireNonNull(missingKey, "missing-key"), all);
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

  /**
   * The thin adapter of the limiter-wide and filter settings: the bound properties as settings of the one model
   * ({@link LimiterSettings}), named as the user wrote them. Read again wherever needed, so that every reader
   * reports the same problems with the same words.
   *
   * @param properties the bound properties
   * @param problems receives problems of names outside the vocabulary (none: the properties classes bind only these)
   * @return the settings
   */
  static LimiterSettings limiterSettings(LimiterProperties properties, Problems problems) {
    LimiterProperties.ClientIp ip = properties.getClientIp();
    LimiterProperties.Filter filter = properties.getFilter();
    Map<String, Object> bound = new LinkedHashMap<>();
    bound.put("store", properties.getStore());
    bound.put("max-keys", properties.getMaxKeys());
    bound.put("header-mode", properties.getHeaderMode());
    bound.put("missing-key", properties.getMissingKey());
    bound.put("client-ip.trusted-proxies", ip.getTrustedProxies().isEmpty() ? null : ip.getTrustedProxies());
    bound.put("client-ip.trust-all-proxies", ip.isTrustAllProxies());
    bound.put("client-ip.forwarded-header", ip.getForwardedHeader());
    bound.put("client-ip.ipv4-prefix-length", ip.getIpv4PrefixLength());
    bound.put("client-ip.ipv6-prefix-length", ip.getIpv6PrefixLength());
    bound.put("failure.closed-retry-after", properties.getFailure().getClosedRetryAfter());
    bound.put("status", filter.getStatus());
    bound.put("missing-key-status", filter.getMissingKeyStatus());
    bound.put("exclude", filter.getExclude().isEmpty() ? null : filter.getExclude());
    bound.put("case-sensitive-paths", filter.isCaseSensitivePaths());
    Map<String, Setting> values = new LinkedHashMap<>();
    bound.forEach((part, value) -> {
      if (value != null) {
        values.put(part, Setting.property(LimiterSettings.property(part), value));
      }
    });
    return LimiterSettings.of(values, null, "property", LimiterSettings::property, problems);
  }
}
