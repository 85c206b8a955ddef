package io.limiter.spring.internal;

import io.limiter.spring.EnableRateLimiting;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.annotation.AdviceMode;
import org.springframework.context.annotation.AdviceModeImportSelector;
import org.springframework.context.annotation.AutoProxyRegistrar;
import org.springframework.util.ClassUtils;

/** Imports the configuration of the {@link EnableRateLimiting#mode()}, plus Spring MVC support when it is present. */
public class RateLimitingConfigurationSelector extends AdviceModeImportSelector<EnableRateLimiting> {

  private static final boolean MVC_PRESENT = ClassUtils.isPresent(
      "org.springframework.web.servlet.DispatcherServlet", RateLimitingConfigurationSelector.class.getClassLoader())
      && ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
          RateLimitingConfigurationSelector.class.getClassLoader());

  // WebFlux's handler only without MVC: in one application both would answer MVC's exceptions
  private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
      "org.springframework.web.reactive.DispatcherHandler", RateLimitingConfigurationSelector.class.getClassLoader());

  @Override
  protected String[] selectImports(AdviceMode mode) {
    List<String> imports = new ArrayList<>();
    if (mode == AdviceMode.PROXY) {
      imports.add(AutoProxyRegistrar.class.getName());
      imports.add(ProxyRateLimitingConfiguration.class.getName());
    } else {
      imports.add(AspectJRateLimitingConfiguration.class.getName());
    }
    if (MVC_PRESENT) {
      imports.add(RateLimitingMvcConfiguration.class.getName());
    } else if (WEBFLUX_PRESENT) {
      imports.add(RateLimitingWebFluxConfiguration.class.getName());
    }
    return imports.toArray(String[]::new);
  }
}
