package io.limiter.spring.internal;

import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.aop.RateLimitInterceptor;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/** Proxy mode: an advisor that Spring's auto-proxy creator applies to every bean with {@code @RateLimit}. */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
public class ProxyRateLimitingConfiguration extends AbstractRateLimitingConfiguration {

  /** The bean name of the advisor. */
  public static final String ADVISOR_BEAN_NAME = "io.limiter.spring.rateLimitAdvisor";

  @Override
  protected boolean proxyMode() {
    return true;
  }

  /**
   * @param beanFactory supplies the engine on the first limited call
   * @return the advisor
   */
  @Bean(name = ADVISOR_BEAN_NAME)
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public RateLimitPointcutAdvisor rateLimitAdvisor(BeanFactory beanFactory) {
    RateLimitPointcutAdvisor advisor = new RateLimitPointcutAdvisor(new RateLimitInterceptor(
        () -> beanFactory.getBean(SUPPORT_BEAN_NAME, RateLimitAspectSupport.class)));
    advisor.setOrder(enableRateLimiting().<Integer>getNumber("order"));
    return advisor;
  }
}
