package io.limiter.spring.internal;

import io.limiter.spring.EnableRateLimiting;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.context.ResourceLoaderAware;
import org.springframework.context.annotation.AdviceMode;
import org.springframework.context.annotation.AdviceModeImportSelector;
import org.springframework.context.annotation.AutoProxyRegistrar;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * Imports the configuration of the {@link EnableRateLimiting#mode()}, plus the exception handling of the web stack
 * the application runs: Spring MVC's, or WebFlux's when WebFlux is present and either MVC is not or the application
 * context is a reactive web one (Spring Boot's {@code spring.main.web-application-type=reactive}, or WebFlux chosen
 * with MVC on the class path). Only one of the two is imported: both would answer the same exceptions, and MVC's
 * handler cannot resolve a WebFlux handler's arguments (the rejection would be answered 500).
 */
public class RateLimitingConfigurationSelector extends AdviceModeImportSelector<EnableRateLimiting>
    implements ResourceLoaderAware {

  private static final ClassLoader LOADER = RateLimitingConfigurationSelector.class.getClassLoader();

  private static final boolean MVC_PRESENT = ClassUtils.isPresent("org.springframework.web.servlet.DispatcherServlet",
      LOADER) && ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest", LOADER);

  private static final boolean WEBFLUX_PRESENT =
      ClassUtils.isPresent("org.springframework.web.reactive.DispatcherHandler", LOADER);

  /** Spring Boot's reactive web application contexts (Boot 4's name first, then Boot 3's), where present. */
  private static final String[] REACTIVE_CONTEXTS = {
      "org.springframework.boot.web.context.reactive.ReactiveWebApplicationContext",
      "org.springframework.boot.web.reactive.context.ReactiveWebApplicationContext"};

  /** The application context (the resource loader of the context's configuration parsing), if known. */
  private @Nullable ResourceLoader context;

  @Override
  public void setResourceLoader(ResourceLoader resourceLoader) {
    this.context = resourceLoader;
  }

  @Override
  protected String[] selectImports(AdviceMode mode) {
    List<String> imports = new ArrayList<>();
    if (mode == AdviceMode.PROXY) {
      imports.add(AutoProxyRegistrar.class.getName());
      imports.add(ProxyRateLimitingConfiguration.class.getName());
    } else {
      imports.add(AspectJRateLimitingConfiguration.class.getName());
    }
    if (WEBFLUX_PRESENT && (!MVC_PRESENT || reactiveContext(context))) {
      imports.add(RateLimitingWebFluxConfiguration.class.getName());
    } else if (MVC_PRESENT) {
      imports.add(RateLimitingMvcConfiguration.class.getName());
    }
    return imports.toArray(String[]::new);
  }

  /** Whether the context is one of Spring Boot's reactive web application contexts. */
  static boolean reactiveContext(@Nullable Object context) {
    if (context == null) {
      return false;
    }
    for (String name : REACTIVE_CONTEXTS) {
      if (ClassUtils.isPresent(name, LOADER) && ClassUtils.resolveClassName(name, LOADER).isInstance(context)) {
        return true;
      }
    }
    return false;
  }
}
