package io.limiter.spring;

import io.limiter.core.MissingKeyStrategy;
import java.util.Map;

/**
 * The key and missing-key strategy of policies configured in properties, which a {@code @RateLimit(name = ...)}
 * without its own key uses. A bean of this type is contributed by the Spring Boot auto-configuration (from
 * {@code limiter.policies.<name>.key} and {@code .missing-key}); {@code @EnableRateLimiting} uses it when present.
 * Immutable and thread-safe.
 *
 * @param keys the key text by policy name
 * @param missingKeys the missing-key strategy by policy name
 */
public record PolicyDefaults(Map<String, String> keys, Map<String, MissingKeyStrategy> missingKeys) {

  /** Copies the maps. */
  public PolicyDefaults {
    keys = Map.copyOf(keys);
    missingKeys = Map.copyOf(missingKeys);
  }
}
