package io.limiter.spring.internal;

import io.limiter.spring.aop.RateLimitAspect;
import io.limiter.spring.aop.RateLimitAspectSupport;
import org.aspectj.lang.Aspects;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;

/**
 * AspectJ mode: hands the engine to the {@link RateLimitAspect} singleton that AspectJ wove into the application's
 * classes (compile-time or load-time weaving must be set up separately).
 */
@Configuration(proxyBeanMethods = false)
@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
public class AspectJRateLimitingConfiguration extends AbstractRateLimitingConfiguration {

  /** The bean name of the woven aspect. */
  public static final String ASPECT_BEAN_NAME = "io.limiter.spring.rateLimitAspect";

  @Override
  protected boolean proxyMode() {
    return false;
  }

  /**
   * @param support the engine
   * @return the woven aspect, now with its engine
   * @throws IllegalStateException if the aspect was not woven
   */
  @Bean(name = ASPECT_BEAN_NAME)
  @Role(BeanDefinition.ROLE_INFRASTRUCTURE)
  public RateLimitAspect rateLimitAspect(RateLimitAspectSupport support) {
    RateLimitAspect aspect;
    try {
      aspect = Aspects.aspectOf(RateLimitAspect.class);
    } catch (RuntimeException e) {
      throw new IllegalStateException("@EnableRateLimiting(mode = ASPECTJ) needs the RateLimitAspect woven into "
          + "the application (aspectj-maven-plugin with io.limiter:limiter-spring as an aspect library, or load-time "
          + "weaving); it was not: " + e.getMessage(), e);
    }
    aspect.setSupport(support);
    return aspect;
  }
}
