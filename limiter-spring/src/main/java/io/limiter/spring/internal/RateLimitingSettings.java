package io.limiter.spring.internal;

import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.spring.KeyResolverRegistry;
import io.limiter.spring.RateLimitingConfigurer;
import io.limiter.spring.spi.StoreInstrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The combined answers of all {@link RateLimitingConfigurer}s, in order: lists collected, single values from the
 * first configurer that gives one. Immutable after {@link #from}.
 *
 * @param store the store, or null
 * @param failureHandler the store failure handler, or null
 * @param missingKey the missing-key strategy, or null
 * @param headerMode the header mode, or null
 * @param policies the policies
 * @param listeners the listeners
 * @param keyResolvers the named key resolvers
 */
public record RateLimitingSettings(@Nullable RateLimitStore store, @Nullable StoreFailureHandler failureHandler,
    @Nullable MissingKeyStrategy missingKey, @Nullable HeaderMode headerMode, List<LimitPolicy> policies,
    List<RateLimitListener> listeners, KeyResolverRegistry keyResolvers) {

  /**
   * @param configurers the configurers, in order
   * @return their combined settings
   */
  public static RateLimitingSettings from(List<RateLimitingConfigurer> configurers) {
    List<LimitPolicy> policies = new ArrayList<>();
    List<RateLimitListener> listeners = new ArrayList<>();
    KeyResolverRegistry resolvers = new KeyResolverRegistry();
    for (RateLimitingConfigurer c : configurers) {
      c.addPolicies(policies);
      c.addListeners(listeners);
      c.addKeyResolvers(resolvers);
    }
    return new RateLimitingSettings(first(configurers, RateLimitingConfigurer::store),
        first(configurers, RateLimitingConfigurer::storeFailureHandler),
        first(configurers, RateLimitingConfigurer::missingKeyStrategy),
        first(configurers, RateLimitingConfigurer::headerMode), List.copyOf(policies), List.copyOf(listeners),
        resolvers);
  }

  private static <T> @Nullable T first(List<RateLimitingConfigurer> configurers,
      Function<RateLimitingConfigurer, @Nullable T> getter) {
    for (RateLimitingConfigurer c : configurers) {
      T value = getter.apply(c);
      if (value != null) {
        return value;
      }
    }
    return null;
  }

  /**
   * Builds the registry of an application: the configurers' store, else {@code storeBean}, else in-memory; the
   * configurers' policies and listeners plus the given beans.
   *
   * @param storeBean the store bean, or null
   * @param instrumentation wrap the chosen store, in order
   * @param policyBeans {@link LimitPolicy} beans (and policies from properties)
   * @param listenerBeans {@link RateLimitListener} beans
   * @return the registry
   */
  public RateLimiterRegistry buildRegistry(@Nullable RateLimitStore storeBean,
      List<StoreInstrumentation> instrumentation,
      List<LimitPolicy> policyBeans, List<RateLimitListener> listenerBeans) {
    RateLimiterRegistry.Builder builder = RateLimiterRegistry.builder();
    RateLimitStore chosen = store != null ? store : storeBean != null ? storeBean : RateLimitStore.inMemory();
    for (StoreInstrumentation i : instrumentation) {
      chosen = i.instrument(chosen);
    }
    builder.store(chosen);
    builder.policies(policyBeans).policies(policies);
    listenerBeans.forEach(builder::listener);
    listeners.forEach(builder::listener);
    return builder.build();
  }
}
