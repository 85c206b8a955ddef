package io.limiter.spring.boot;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.webflux.RateLimitWebFilter;
import io.limiter.web.ClientIpResolver;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.web.server.WebFilter;

/**
 * The URL rules of {@code limiter.filter.*} in a reactive (WebFlux) web application: a {@link RateLimitWebFilter}
 * built from the same properties, policies, store, key references and {@code limiter.client-ip.*} as the servlet
 * filter, read by the same code ({@link FilterRules}, {@link PolicyProperties}). A bad property fails startup with a
 * {@link RateLimitConfigException} naming it. Every bean backs off when the application defines its own; off with
 * {@code limiter.filter.enabled=false} or {@code limiter.enabled=false}.
 */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnClass({WebFilter.class, RateLimiterRegistry.class})
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnProperty(prefix = "limiter", name = "enabled", havingValue = "true", matchIfMissing = true)
public class LimiterWebFluxAutoConfiguration {

  /**
   * @param properties the properties
   * @return the client IP resolver of {@code ip} keys ({@code limiter.client-ip.*})
   */
  @Bean
  @ConditionalOnMissingBean
  ClientIpResolver rateLimitClientIpResolver(LimiterProperties properties) {
    return FilterRules.clientIp(properties);
  }

  /**
   * @param properties the properties
   * @param registry the registry of the application's policies
   * @param clientIp the client IP resolver
   * @param failureHandler the store failure handler
   * @param steps the stepped limiters of configured policies, shared with {@code @RateLimit}
   * @return the WebFilter applying {@code limiter.filter.rules}
   */
  @Bean
  @ConditionalOnMissingBean
  @Conditional(LimiterAutoConfiguration.OnFilterEnabled.class)
  RateLimitWebFilter rateLimitWebFilter(LimiterProperties properties, RateLimiterRegistry registry,
      ClientIpResolver clientIp, ObjectProvider<StoreFailureHandler> failureHandler, SteppedLimiterRegistry steps) {
    RateLimitWebFilter.Builder builder = RateLimitWebFilter.builder()
        .registry(registry)
        .controllers(steps.controllers())
        .clientIp(clientIp)
        .order(properties.getFilter().getOrder());
    StoreFailureHandler handler = failureHandler.getIfUnique();
    if (handler != null) {
      builder.failureHandler(handler);
    }
    return FilterRules.build(properties, PolicyProperties.read(properties), steps, builder::settings,
        builder::steppedPolicy, builder::rule, builder::build);
  }
}
