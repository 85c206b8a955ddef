package io.limiter.spring.boot.actuate;

import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspectSupport;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * The {@code ratelimits} actuator endpoint ({@code GET /actuator/ratelimits}): the store, every configured policy
 * (from properties, beans, annotations and filter rules) with its limits, algorithm, cost, shadow flag and failure
 * mode, and the methods that use it. {@code GET /actuator/ratelimits/{name}} shows one policy. Thread-safe.
 */
@Endpoint(id = "ratelimits")
public class RateLimitsEndpoint {

  private final RateLimiterRegistry registry;
  private final RateLimitAspectSupport support;

  /**
   * @param registry the registry
   * @param support the annotation engine, or null
   */
  public RateLimitsEndpoint(RateLimiterRegistry registry, RateLimitAspectSupport support) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.support = support;
  }

  /** @return the store and all policies */
  @ReadOperation
  public RateLimitsDescriptor rateLimits() {
    Map<String, List<String>> usage = usage();
    Map<String, PolicyDescriptor> policies = new LinkedHashMap<>();
    for (LimitPolicy policy : registry.policies()) {
      policies.put(policy.name(), describe(policy, usage));
    }
    return new RateLimitsDescriptor(registry.store().toString(), registry.store().trackedKeys(), policies);
  }

  /**
   * @param name a policy name
   * @return the policy, or null (404) if there is none
   */
  @ReadOperation
  public PolicyDescriptor policy(@Selector String name) {
    return registry.find(name).map(l -> describe(l.policy(), usage())).orElse(null);
  }

  private Map<String, List<String>> usage() {
    Map<String, List<String>> byPolicy = new LinkedHashMap<>();
    if (support != null) {
      support.usage().forEach((method, names) -> names.forEach(
          n -> byPolicy.computeIfAbsent(n, k -> new ArrayList<>()).add(method)));
    }
    return byPolicy;
  }

  private static PolicyDescriptor describe(LimitPolicy policy, Map<String, List<String>> usage) {
    List<LimitDescriptor> limits = new ArrayList<>();
    for (Limit limit : policy.limits()) {
      limits.add(new LimitDescriptor(limit.toString(), limit.permits(), limit.periodNanos() / 1_000_000_000.0,
          limit.burst()));
    }
    return new PolicyDescriptor(policy.spec().toString(), limits, policy.algorithm().name(), policy.cost(),
        policy.shadow(), policy.failureMode().name(), usage.getOrDefault(policy.name(), List.of()));
  }

  /**
   * @param store the store
   * @param trackedKeys the keys the store tracks now (-1 if unknown)
   * @param policies the policies by name
   */
  public record RateLimitsDescriptor(String store, long trackedKeys, Map<String, PolicyDescriptor> policies) {
  }

  /**
   * @param limits the limits as a rate spec
   * @param limitList each limit
   * @param algorithm the algorithm
   * @param cost the default cost of a call
   * @param shadow whether over-limit calls are only reported
   * @param failureMode what a store failure does
   * @param usedBy the annotated methods that use the policy
   */
  public record PolicyDescriptor(String limits, List<LimitDescriptor> limitList, String algorithm, long cost,
      boolean shadow, String failureMode, List<String> usedBy) {
  }

  /**
   * @param limit the limit in the rate grammar
   * @param permits the permits per period
   * @param periodSeconds the period
   * @param burst the capacity
   */
  public record LimitDescriptor(String limit, long permits, double periodSeconds, long burst) {
  }
}
