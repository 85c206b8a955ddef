package io.limiter.spring.boot;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.servlet.NamedDispatchFilter;
import io.limiter.servlet.RateLimitFilter;
import io.limiter.spring.internal.MergedRateLimitAnnotations;
import io.limiter.spring.internal.ServletRequestKeySource;
import io.limiter.spring.spi.RequestKeySource;
import io.limiter.web.ClientIpResolver;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.util.HashSet;
import java.util.Set;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletContextInitializer;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * The servlet side of {@link LimiterAutoConfiguration}, imported by it: the request keys of {@code @RateLimit} read
 * from the servlet request, and the URL-rule filter ({@code limiter.filter.*}, also enforcing the {@code @RateLimit}s
 * of servlets) with its named-dispatch filters. Only in a servlet web application with the Servlet API and
 * limiter-servlet on the class path (limiter-servlet is optional in limiter-spring; the starter brings it): the
 * conditions are read without loading this class, so a WebFlux or gateway application never loads a servlet type
 * (Spring Boot's own pattern for a stack's configuration).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@ConditionalOnClass(name = {"jakarta.servlet.http.HttpServletRequest", "io.limiter.servlet.RateLimitFilter",
    "org.springframework.boot.web.servlet.FilterRegistrationBean"})
class LimiterServletConfiguration {

  /**
   * @param clientIp the client IP resolver
   * @return request keys of {@code @RateLimit}, read like the filter reads them
   */
  @Bean
  @ConditionalOnMissingBean
  RequestKeySource rateLimitRequestKeySource(ClientIpResolver clientIp) {
    return new ServletRequestKeySource(clientIp);
  }

  /**
   * @param properties the properties
   * @param registry the registry
   * @param clientIp the client IP resolver
   * @param failureHandler the store failure handler
   * @param steps the stepped limiters of configured policies, shared with {@code @RateLimit}
   * @return the registration of the filter applying {@code limiter.filter.rules} and the {@code @RateLimit}s of
   *     servlets
   */
  @Bean
  @ConditionalOnMissingBean(name = "rateLimitFilterRegistration")
  @Conditional(LimiterAutoConfiguration.OnFilterEnabled.class)
  FilterRegistrationBean<RateLimitFilter> rateLimitFilterRegistration(LimiterProperties properties,
      RateLimiterRegistry registry, ClientIpResolver clientIp, ObjectProvider<StoreFailureHandler> failureHandler,
      SteppedLimiterRegistry steps) {
    RateLimitFilter filter = ServletProperties.filter(properties, registry, clientIp,
        failureHandler.getIfUnique(), PolicyProperties.read(properties), steps);
    FilterRegistrationBean<RateLimitFilter> registration = new FilterRegistrationBean<>(filter);
    registration.setName("rateLimitFilter");
    registration.setOrder(properties.getFilter().getOrder());
    registration.setDispatcherTypes(DispatcherType.REQUEST, DispatcherType.FORWARD, DispatcherType.INCLUDE,
        DispatcherType.ASYNC, DispatcherType.ERROR);
    registration.addUrlPatterns("/*");
    return registration;
  }

  /**
   * @param beans the servlet beans and registrations
   * @return registers a {@link NamedDispatchFilter} for every rate limited servlet, so that a named dispatch
   *     ({@code getNamedDispatcher(name).forward}) into it is charged like a request to its path
   */
  @Bean
  @ConditionalOnMissingBean(name = "rateLimitNamedDispatchFilters")
  @Conditional(LimiterAutoConfiguration.OnFilterEnabled.class)
  ServletContextInitializer rateLimitNamedDispatchFilters(ListableBeanFactory beans) {
    return servletContext -> {
      Set<Object> registered = new HashSet<>();
      for (ServletRegistrationBean<?> registration : beans.getBeansOfType(ServletRegistrationBean.class)
          .values()) {
        Servlet servlet = registration.getServlet();
        registered.add(servlet);
        if (servlet != null && NamedDispatchFilter.isRateLimited(AopUtils.getTargetClass(servlet),
            MergedRateLimitAnnotations.INSTANCE)) {
          NamedDispatchFilter.register(servletContext, registration.getServletName());
        }
      }
      // servlet beans without a registration bean are registered by Spring Boot under their bean name
      beans.getBeansOfType(Servlet.class).forEach((name, servlet) -> {
        if (!registered.contains(servlet) && NamedDispatchFilter.isRateLimited(AopUtils.getTargetClass(servlet),
            MergedRateLimitAnnotations.INSTANCE)) {
          NamedDispatchFilter.register(servletContext, name);
        }
      });
    };
  }
}
