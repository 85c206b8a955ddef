package io.limiter.examples.springboot;

import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * The example's API keys and their plans; a real application would look them up in its user store. Referred to by
 * {@code tierKey = "@demoApiKeys.planOf(#apiKey)"} on {@link ThrottledController#catalog}. Thread-safe (immutable).
 */
@Component
public class DemoApiKeys {

  /** The key of a client on the free plan. */
  public static final String FREE = "demo-free-key";
  /** The key of a client on the pro plan. */
  public static final String PRO = "demo-pro-key";
  /** The key of an internal service. */
  public static final String INTERNAL = "demo-internal-key";

  private final Map<String, String> plans = Map.of(FREE, "free", PRO, "pro", INTERNAL, "internal");

  /**
   * @param apiKey an API key, or null
   * @return its plan, or null for an unknown key (which gets the default tier)
   */
  public String planOf(String apiKey) {
    return apiKey == null ? null : plans.get(apiKey);
  }
}
