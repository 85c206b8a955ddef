package io.limiter.spring.boot.redis;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code limiter.redis.*} properties: the settings of the Redis store that are about rate limiting. Where Redis
 * is comes from Spring Boot's {@code spring.data.redis.*} properties (or a Lettuce client bean); what the store does
 * when Redis fails comes from each policy's failure mode and {@code limiter.failure.*}. Unknown names under
 * {@code limiter.redis} are errors, listed with every other problem of the {@code limiter.*} properties. Validated
 * at startup together with the connection properties: every problem is reported at once, naming its property.
 */
@ConfigurationProperties(prefix = "limiter.redis")
public class LimiterRedisProperties {

  /**
   * What every Redis key of the limiter starts with. Instances that share limits need the same prefix; applications
   * sharing a Redis but not their limits need different ones. At most 128 characters, no braces.
   */
  private String keyPrefix = "limiter:";

  /**
   * The longest a decision waits for Redis; then the policy's failure mode decides. Bounds every request while Redis
   * is down or stalled. Not spring.data.redis.timeout, which is usually far longer than a request should wait.
   */
  private Duration commandTimeout = Duration.ofMillis(100);

  /**
   * How many application instances share the limits: while Redis is down, policies that fail with local-fallback
   * give each instance this share of their limits (permits and burst divided by it, at least the policy's cost).
   */
  private int instances = 1;

  /** The most client keys the local-fallback store tracks while Redis is down. */
  private long fallbackMaxKeys = 100_000;

  /**
   * Entries of the local deny cache (0: off). A client that Redis rejected until time T is rejected locally until T,
   * without a Redis call; it never rejects what Redis would admit.
   */
  private int denyCacheSize;

  /**
   * Whether decisions that wait for the Redis connection share one script call (coalescing): while a call is in
   * flight, the decisions arriving meanwhile go out together in the next, each decided exactly as alone, in arrival
   * order. Fewer calls per decision under load; an idle store sends each decision at once. Off: one call per decision.
   */
  private boolean coalesce = true;

  /** The first wait before a failed Redis is probed again; each failed probe doubles it up to recovery-backoff-max. */
  private Duration recoveryBackoff = Duration.ofMillis(100);

  /** The longest wait between two probes of a failed Redis. */
  private Duration recoveryBackoffMax = Duration.ofSeconds(2);

  public boolean isCoalesce() {
    return coalesce;
  }

  public void setCoalesce(boolean coalesce) {
    this.coalesce = coalesce;
  }

  public String getKeyPrefix() {
    return keyPrefix;
  }

  public void setKeyPrefix(String keyPrefix) {
    this.keyPrefix = keyPrefix;
  }

  public Duration getCommandTimeout() {
    return commandTimeout;
  }

  public void setCommandTimeout(Duration commandTimeout) {
    this.commandTimeout = commandTimeout;
  }

  public int getInstances() {
    return instances;
  }

  public void setInstances(int instances) {
    this.instances = instances;
  }

  public long getFallbackMaxKeys() {
    return fallbackMaxKeys;
  }

  public void setFallbackMaxKeys(long fallbackMaxKeys) {
    this.fallbackMaxKeys = fallbackMaxKeys;
  }

  public int getDenyCacheSize() {
    return denyCacheSize;
  }

  public void setDenyCacheSize(int denyCacheSize) {
    this.denyCacheSize = denyCacheSize;
  }

  public Duration getRecoveryBackoff() {
    return recoveryBackoff;
  }

  public void setRecoveryBackoff(Duration recoveryBackoff) {
    this.recoveryBackoff = recoveryBackoff;
  }

  public Duration getRecoveryBackoffMax() {
    return recoveryBackoffMax;
  }

  public void setRecoveryBackoffMax(Duration recoveryBackoffMax) {
    this.recoveryBackoffMax = recoveryBackoffMax;
  }
}
