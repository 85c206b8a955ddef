package io.limiter.spring.internal;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.aop.RateLimitAspectSupport;
import java.util.LinkedHashSet;
import java.util.Set;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

/**
 * Parses the {@code @RateLimit}s of every bean class once all singletons exist and fails the startup with one
 * {@link io.limiter.core.RateLimitConfigException} listing every problem of every bean, so that an invalid
 * annotation never waits for its first call.
 */
public final class RateLimitStartupValidator implements SmartInitializingSingleton {

  private final ConfigurableListableBeanFactory beanFactory;
  private final String supportBeanName;

  /**
   * @param beanFactory the factory whose beans are checked
   * @param supportBeanName the name of the engine bean
   */
  public RateLimitStartupValidator(ConfigurableListableBeanFactory beanFactory, String supportBeanName) {
    this.beanFactory = beanFactory;
    this.supportBeanName = supportBeanName;
  }

  @Override
  public void afterSingletonsInstantiated() {
    Set<Class<?>> classes = new LinkedHashSet<>();
    for (String name : beanFactory.getBeanDefinitionNames()) {
      BeanDefinition definition = beanFactory.getMergedBeanDefinition(name);
      if (definition.getRole() == BeanDefinition.ROLE_INFRASTRUCTURE || definition.isAbstract()) {
        continue;
      }
      Class<?> type = beanFactory.getType(name, false);
      if (type != null) {
        Class<?> user = ClassUtils.getUserClass(type);
        if (AnnotationUtils.isCandidateClass(user, RateLimit.class)) {
          classes.add(user);
        }
      }
    }
    beanFactory.getBean(supportBeanName, RateLimitAspectSupport.class).validate(classes);
  }
}
