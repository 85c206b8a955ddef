package io.limiter.spring;

import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.spi.StoreFailureHandler;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Customizes rate limiting: implemented by {@code @Configuration} classes or beans of an application that uses
 * {@link EnableRateLimiting @EnableRateLimiting} or the Spring Boot auto-configuration. Every method has a default,
 * so implement only what you need:
 *
 * <pre>{@code
 * @Configuration
 * @EnableRateLimiting
 * class LimitsConfig implements RateLimitingConfigurer {
 *   public RateLimitStore store() { return RateLimitStore.builder().maxKeys(100_000).buildInMemory(); }
 *   public void addPolicies(List<LimitPolicy> policies) { policies.add(LimitPolicy.of("search", "10/second")); }
 *   public void addKeyResolvers(KeyResolverRegistry resolvers) { resolvers.register("tenant", inv -> Tenant.current()); }
 * }
 * }</pre>
 *
 * <p>Several configurers may coexist; they are consulted in {@code @Order}. Lists (policies, key resolvers,
 * listeners) are collected from all of them; for single values (store, failure handler, missing-key strategy, header
 * mode) the first configurer that returns non-null wins. The Spring Boot auto-configuration contributes the
 * {@code limiter.*} properties through a configurer of the lowest precedence, so application configurers override
 * properties. Called once, at startup.
 */
public interface RateLimitingConfigurer {

  /**
   * @return the store the rate limited methods use; null for a {@link RateLimitStore} bean, or else a new in-memory
   *     store
   */
  default @Nullable RateLimitStore store() {
    return null;
  }

  /**
   * Adds policies that {@code @RateLimit(name = "...")} can refer to. {@link LimitPolicy} beans are added too.
   *
   * @param policies add to this list
   */
  default void addPolicies(List<LimitPolicy> policies) {
  }

  /**
   * Registers named key resolvers that {@code @RateLimit(key = "name")} can refer to.
   *
   * @param resolvers the registry
   */
  default void addKeyResolvers(KeyResolverRegistry resolvers) {
  }

  /**
   * Adds listeners that see every decision. {@link RateLimitListener} beans are added too.
   *
   * @param listeners add to this list
   */
  default void addListeners(List<RateLimitListener> listeners) {
  }

  /**
   * @return what decides a call when the store throws; null for a {@link StoreFailureHandler} bean, or else
   *     {@link StoreFailureHandler#byFailureMode} (each policy's {@link io.limiter.core.FailureMode}, a 5 second
   *     {@code Retry-After} when failing closed, an in-memory fallback store)
   */
  default @Nullable StoreFailureHandler storeFailureHandler() {
    return null;
  }

  /**
   * @return what to do with a call whose key resolves to nothing (no {@code X-API-Key} header, a SpEL key that is
   *     null); null for {@link MissingKeyStrategy#reject()}, which throws {@link RateLimitKeyMissingException}
   */
  default @Nullable MissingKeyStrategy missingKeyStrategy() {
    return null;
  }

  /**
   * @return which rate limit header fields Spring MVC responses of rate limited handlers carry; null for
   *     {@link HeaderMode#IETF}
   */
  default @Nullable HeaderMode headerMode() {
    return null;
  }
}
