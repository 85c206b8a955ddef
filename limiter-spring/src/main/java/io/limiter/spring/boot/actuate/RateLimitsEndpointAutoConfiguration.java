package io.limiter.spring.boot.actuate;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;

/** The {@code ratelimits} actuator endpoint, when the actuator is present and the endpoint is available. */
@AutoConfiguration(after = LimiterAutoConfiguration.class)
@ConditionalOnClass({Endpoint.class, ConditionalOnAvailableEndpoint.class})
@ConditionalOnAvailableEndpoint(RateLimitsEndpoint.class)
public class RateLimitsEndpointAutoConfiguration {

  /**
   * @param registry the registry
   * @param support the annotation engine, if any
   * @param refresh re-applies limiter.policies.* for the write POST .../policies, if any
   * @return the endpoint
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(RateLimiterRegistry.class)
  public RateLimitsEndpoint rateLimitsEndpoint(RateLimiterRegistry registry,
      ObjectProvider<RateLimitAspectSupport> support,
      ObjectProvider<io.limiter.spring.boot.LimiterPolicyRefresh> refresh) {
    return new RateLimitsEndpoint(registry, support.getIfUnique(), refresh.getIfUnique());
  }

  /**
   * @param endpoint the endpoint
   * @return its web extension, which answers bad write requests with a message naming what exists
   */
  @Bean
  @ConditionalOnMissingBean
  @ConditionalOnBean(RateLimitsEndpoint.class)
  @ConditionalOnWebApplication
  public RateLimitsEndpointWebExtension rateLimitsEndpointWebExtension(RateLimitsEndpoint endpoint) {
    return new RateLimitsEndpointWebExtension(endpoint);
  }
}
