package io.limiter.spring;

/**
 * Thrown when a rate limited call carries no client key (e.g. no {@code X-API-Key} header) and the missing-key
 * strategy is {@link io.limiter.core.MissingKeyStrategy#reject() reject}. In Spring MVC it becomes a 401 problem
 * response; nothing was charged.
 */
public class RateLimitKeyMissingException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String policy;
  private final String key;

  /**
   * @param policy the name of the policy that needed the key
   * @param key how the key is resolved, e.g. {@code header:X-API-Key}
   */
  public RateLimitKeyMissingException(String policy, String key) {
    super("rate limit policy " + policy + " needs a client key from " + key + ", and the call has none", null,
        false, false);
    this.policy = policy;
    this.key = key;
  }

  /** @return the name of the policy that needed the key */
  public String getPolicy() {
    return policy;
  }

  /** @return how the key is resolved, e.g. {@code header:X-API-Key} or a SpEL expression */
  public String getKey() {
    return key;
  }
}
