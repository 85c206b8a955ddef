package io.limiter.spring.internal;

import io.limiter.core.http.HeaderMode;
import io.limiter.spring.webflux.RateLimitWebFluxExceptionHandler;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/**
 * Spring WebFlux support of {@code @EnableRateLimiting} (imported when WebFlux is present and Spring MVC is not): the
 * exception handler, in the header mode of the configurers (IETF by default).
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
public class RateLimitingWebFluxConfiguration {

  /**
   * @param settings the combined configurers
   * @return the exception handler
   */
  @Bean
  public RateLimitWebFluxExceptionHandler rateLimitWebFluxExceptionHandler(RateLimitingSettings settings) {
    return new RateLimitWebFluxExceptionHandler(settings.headerMode() != null ? settings.headerMode()
        : HeaderMode.IETF);
  }
}
