package io.limiter.spring.boot;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.Problems;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.StepListener;
import io.limiter.core.step.StepParts;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.internal.KeyExpressionEvaluator;
import io.limiter.spring.internal.TierKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the step controllers of {@code limiter.adaptive.*} and the stepped limiters of the step settings in
 * {@code limiter.policies.*} ({@code tiers}, {@code tier-key}, {@code schedule}, {@code adaptive}, {@code penalty}),
 * collecting every problem with its property into one {@link RateLimitConfigException}.
 */
final class StepProperties {

  private StepProperties() {
  }

  /**
   * Builds the controllers. When some are wrong, the policies' step settings are checked too (against the
   * controllers that are fine, and the names of the broken ones), so that one exception lists both.
   */
  static StepControllerRegistry controllers(LimiterProperties properties, List<HealthSignal> signalBeans,
      List<StepController> controllerBeans, List<StepListener> listeners, Supplier<RateLimiterRegistry> registry) {
    List<String> problems = new ArrayList<>();
    Map<String, HealthSignal> signals = new LinkedHashMap<>();
    for (HealthSignal s : signalBeans) {
      HealthSignal previous = signals.putIfAbsent(s.name(), s);
      if (previous != null && previous != s) {
        problems.add("HealthSignal beans " + previous + " and " + s + " are both named \"" + s.name() + "\"");
      }
    }
    StepControllerRegistry controllers = new StepControllerRegistry();
    for (StepController c : controllerBeans) {
      register(controllers, c, "StepController bean " + c.name(), problems);
    }
    List<String> broken = new ArrayList<>();
    properties.getAdaptive().forEach((name, adaptive) -> {
      String prefix = "property limiter.adaptive." + name + ".";
      try {
        StepController c = StepController.fromProperties(name, adaptive.toSpec(), prefix, signals);
        register(controllers, c, "limiter.adaptive." + name, problems);
      } catch (RateLimitConfigException e) {
        problems.addAll(e.problems());
        broken.add(name);
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add("limiter.adaptive." + name + ": " + e.getMessage());
        broken.add(name);
      }
    });
    if (!problems.isEmpty()) {
      StepControllerRegistry stand = new StepControllerRegistry();
      controllers.controllers().forEach(stand::register);
      broken.forEach(name -> stand.find(name).orElseGet(() -> stand.register(StepController.builder(name).build())));
      try {
        steppedLimiters(properties, registry.get(), stand, List.of());
      } catch (RateLimitConfigException e) {
        problems.addAll(e.problems());
      }
      throw new RateLimitConfigException(problems);
    }
    for (StepController c : controllers.controllers()) {
      listeners.forEach(c::addListener);
    }
    return controllers;
  }

  private static void register(StepControllerRegistry registry, StepController c, String where,
      List<String> problems) {
    try {
      registry.register(c);
    } catch (IllegalStateException e) {
      problems.add(where + ": " + e.getMessage());
    }
  }

  static SteppedLimiterRegistry steppedLimiters(LimiterProperties properties, RateLimiterRegistry registry,
      StepControllerRegistry controllers, List<PenaltyListener> penaltyListeners) {
    SteppedLimiterRegistry steps = new SteppedLimiterRegistry(registry, controllers, penaltyListeners);
    List<String> problems = new ArrayList<>();
    properties.getPolicies().forEach((name, p) -> {
      String prefix = "limiter.policies." + name + ".";
      StepParts parts = PolicyProperties.settings(name, p, new Problems()).steps(new Problems(problems));
      if (parts.tierKey() != null && !KeyExpressionEvaluator.isExpression(parts.tierKey())) {
        try {
          TierKeys.forRequests(parts.tierKey());
        } catch (IllegalArgumentException e) {
          problems.add("property " + prefix + "tier-key: " + e.getMessage());
        }
      }
      if (!parts.isEmpty()) {
        registry.find(name).ifPresent(limiter -> steps.build(limiter.policy(), parts, "property " + prefix + "*",
            "property " + prefix + "*", problems));
      }
    });
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
    return steps;
  }
}
