package io.limiter.spring.internal;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.aop.RateLimitAspectSupport;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.springframework.aop.SpringProxy;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.DecoratingProxy;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

/**
 * Parses the {@code @RateLimit}s of every bean class once all singletons exist and fails the startup with one
 * {@link io.limiter.core.RateLimitConfigException} listing every problem of every bean, so that an invalid
 * annotation never waits for its first call.
 *
 * <p>Which class is checked: the target class of a created singleton (behind a JDK or CGLIB proxy, or a
 * {@code FactoryBean}'s product once made); otherwise the type the bean is declared with. So an implementation that
 * exists only behind an interface-typed {@code @Lazy} or prototype {@code @Bean} is checked through that interface;
 * annotations written only on the implementation are then parsed at its first call, which fails closed (the call
 * throws {@link RateLimitConfigException}) rather than running unlimited.
 *
 * <p>Servlet beans are rate limited by limiter-servlet's {@code RateLimitFilter}, which Spring Boot registers; an
 * annotated servlet in a context without that filter (or without limiter-servlet) fails the startup.
 */
public final class RateLimitStartupValidator implements SmartInitializingSingleton {

  /** The bean name of Spring Boot's filter registration (see {@code LimiterAutoConfiguration}). */
  public static final String FILTER_REGISTRATION_BEAN_NAME = "rateLimitFilterRegistration";
  private static final String FILTER_CLASS = "io.limiter.servlet.RateLimitFilter";

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
    List<String> servletProblems = new ArrayList<>();
    for (String name : beanFactory.getBeanDefinitionNames()) {
      BeanDefinition definition = beanFactory.getMergedBeanDefinition(name);
      if (definition.getRole() == BeanDefinition.ROLE_INFRASTRUCTURE || definition.isAbstract()) {
        continue;
      }
      for (Class<?> user : checkedClasses(name)) {
        if (!AnnotationUtils.isCandidateClass(user, RateLimit.class)) {
          continue;
        }
        if (AnnotationRateLimitOperationSource.isServlet(user)) {
          if (AnnotationRateLimitOperationSource.declaresRateLimit(user) && !hasFilter()) {
            servletProblems.add("@RateLimit on servlet bean " + name + " (" + user.getName() + ") is enforced by "
                + "limiter-servlet's RateLimitFilter, and this context registers none; keep limiter.filter.enabled "
                + "true (Spring Boot, with io.limiter:limiter-servlet or the starter on the class path), or register a "
                + "RateLimitFilter for the servlet");
          }
          continue;
        }
        classes.add(user);
      }
    }
    try {
      beanFactory.getBean(supportBeanName, RateLimitAspectSupport.class).validate(classes);
    } catch (RateLimitConfigException e) {
      if (servletProblems.isEmpty()) {
        throw e;
      }
      servletProblems.addAll(0, e.problems());
    }
    if (!servletProblems.isEmpty()) {
      throw new RateLimitConfigException(servletProblems);
    }
  }

  /**
   * The class to check for one bean: a created singleton's target class, else its declared type; a JDK proxy type
   * whose target is unknown stands for its interfaces.
   */
  private List<Class<?>> checkedClasses(String name) {
    Object singleton = beanFactory.containsSingleton(name) && !beanFactory.isFactoryBean(name)
        ? beanFactory.getSingleton(name) : null;
    Class<?> type = singleton != null ? AopProxyUtils.ultimateTargetClass(singleton) : null;
    if (type == null || Proxy.isProxyClass(type)) {
      type = beanFactory.getType(name, false);
    }
    if (type == null) {
      return List.of();
    }
    if (Proxy.isProxyClass(type)) {
      List<Class<?>> interfaces = new ArrayList<>();
      for (Class<?> i : type.getInterfaces()) {
        if (i != SpringProxy.class && i != Advised.class && i != DecoratingProxy.class) {
          interfaces.add(i);
        }
      }
      return interfaces;
    }
    return List.of(ClassUtils.getUserClass(type));
  }

  /**
   * Only asked once a servlet bean exists, so that RateLimitFilter (a servlet Filter) loads only with the API; and
   * only by name, as limiter-servlet is optional.
   */
  private boolean hasFilter() {
    if (beanFactory.containsBean(FILTER_REGISTRATION_BEAN_NAME)) {
      return true;
    }
    ClassLoader loader = beanFactory.getBeanClassLoader();
    return ClassUtils.isPresent(FILTER_CLASS, loader)
        && beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(FILTER_CLASS, loader), true, false).length > 0;
  }
}
