package io.limiter.gateway.boot;

import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.gateway.LimiterRateLimiter;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.filter.ratelimit.RateLimiter;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;

/**
 * Registers {@link LimiterRateLimiter} as the gateway's default rate limiter (so a route's {@code RequestRateLimiter}
 * filter uses it without naming it), when Spring Cloud Gateway's WebFlux server is on the class path.
 *
 * <p>It decides with the application's Limiter beans when there are any — a {@link RateLimiterRegistry} (the
 * policies routes may name, their store and listeners, e.g. from limiter-spring's {@code limiter.*} properties,
 * which also give Redis with {@code limiter.store=redis}) and a {@link SteppedLimiterRegistry} (step levels, tiers,
 * penalties) — else with a registry of its own on the application's {@link RateLimitStore} bean, or an in-memory
 * store. Runs before the gateway's auto-configuration, whose {@code RequestRateLimiter} filter needs a rate limiter
 * bean. Absent when the gateway is switched off ({@code spring.cloud.gateway.server.webflux.enabled=false}); disable it
 * alone with {@code spring.cloud.gateway.server.webflux.limiter-rate-limiter.enabled=false}.
 */
@AutoConfiguration(before = GatewayAutoConfiguration.class, afterName = {
    "io.limiter.spring.boot.LimiterAutoConfiguration", "io.limiter.spring.boot.redis.LimiterRedisAutoConfiguration"})
@ConditionalOnClass({RateLimiter.class, GatewayAutoConfiguration.class, RateLimiterRegistry.class})
// The gateway's own switch first: with the gateway off (GatewayAutoConfiguration backs off on it) there is no
// RequestRateLimiter filter to serve and no ConfigurationService to bind routes with, so these beans go too.
@ConditionalOnProperty(name = {LimiterGatewayAutoConfiguration.GATEWAY_ENABLED,
    LimiterGatewayAutoConfiguration.PREFIX + ".enabled"}, havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties
public class LimiterGatewayAutoConfiguration {

  /** The gateway's switch, read by {@link GatewayAutoConfiguration} (gateway 5 no longer reads the older one). */
  static final String GATEWAY_ENABLED = "spring.cloud.gateway.server.webflux.enabled";
  static final String PREFIX = "spring.cloud.gateway.server.webflux." + LimiterRateLimiter.CONFIGURATION_PROPERTY_NAME;

  /** @return the defaults of routes without arguments of their own, from {@value #PREFIX}{@code .*} */
  @Bean
  @ConditionalOnMissingBean
  @ConfigurationProperties(PREFIX)
  public LimiterRateLimiter.Config limiterRateLimiterDefaults() {
    return new LimiterRateLimiter.Config();
  }

  /**
   * @param defaults the route defaults
   * @param registries the application's registry, if any
   * @param stores the application's store, if any (used only without a registry)
   * @param stepped the application's stepped limiters, if any
   * @param configurationService binds route arguments
   * @return the gateway's default rate limiter
   */
  @Bean
  @Primary
  @ConditionalOnMissingBean
  public LimiterRateLimiter limiterRateLimiter(LimiterRateLimiter.Config defaults,
      ObjectProvider<RateLimiterRegistry> registries, ObjectProvider<RateLimitStore> stores,
      ObjectProvider<SteppedLimiterRegistry> stepped, ConfigurationService configurationService) {
    RateLimiterRegistry registry = registries.getIfUnique(() -> RateLimiterRegistry.builder()
        .store(stores.getIfUnique(RateLimitStore::inMemory)).build());
    return new LimiterRateLimiter(registry, stepped.getIfUnique(), defaults, configurationService);
  }

  /**
   * Puts each exchange into the Reactor context, where {@link LimiterRateLimiter} finds a request's tier (the
   * gateway's rate limiter interface passes only the route and the key).
   *
   * @return the filter
   */
  @Bean
  @ConditionalOnMissingBean
  public ServerWebExchangeContextFilter limiterServerWebExchangeContextFilter() {
    return new ServerWebExchangeContextFilter();
  }
}
