package io.limiter.spring.internal;

import io.limiter.core.http.HeaderMode;
import io.limiter.spring.web.RateLimitExceptionHandler;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/**
 * Spring MVC support of {@code @EnableRateLimiting}: the exception handler and the {@code RateLimit} fields of
 * admitted handler calls, in the header mode of the configurers (IETF by default).
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
public class RateLimitingMvcConfiguration {

  /**
   * @param settings the combined configurers
   * @return the exception handler
   */
  @Bean
  public RateLimitExceptionHandler rateLimitExceptionHandler(RateLimitingSettings settings) {
    return new RateLimitExceptionHandler(headerMode(settings));
  }

  /**
   * @param settings the combined configurers
   * @return writes the fields of admitted handler calls
   */
  @Bean
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public MvcAdmissionHandler rateLimitMvcAdmissionHandler(RateLimitingSettings settings) {
    return new MvcAdmissionHandler(headerMode(settings));
  }

  private static HeaderMode headerMode(RateLimitingSettings settings) {
    return settings.headerMode() != null ? settings.headerMode() : HeaderMode.IETF;
  }
}
