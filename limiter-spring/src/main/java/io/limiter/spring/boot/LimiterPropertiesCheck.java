package io.limiter.spring.boot;

import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.Problems;
import io.limiter.core.step.StepController;
import io.limiter.spring.PolicyDefaults;
import io.limiter.spring.boot.redis.LimiterRedisProperties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.util.ClassUtils;

/**
 * Checks every {@code limiter.*} property before any bean is created. Names that bind to nothing (each with the nearest
 * known name), values that do not convert to their property's type and a {@code limiter.max-keys} below the minimum
 * fail startup here, in one {@link RateLimitConfigException} that also lists every problem the properties alone
 * reveal (policies, step controllers without custom signals, client IP, filter rules), since a misspelled name often
 * causes another problem ("paths is missing"). A bean factory post-processor, because the first bean reading the
 * properties would otherwise fail alone (a raw bind error or stack trace, or one group of problems hiding the
 * others). Without such problems the beans check the values, with the application's beans in view.
 *
 * <p>Environment variables are not checked for unknown names (any process may carry an unrelated {@code LIMITER_*}),
 * nor the test kit's system properties {@code limiter.test.*}.
 */
final class LimiterPropertiesCheck implements BeanFactoryPostProcessor {

  private static final ConfigurationPropertyName LIMITER = ConfigurationPropertyName.of("limiter");

  /** System properties of the test kit ({@code -Dlimiter.test.redis-server=embedded}), not settings. */
  private static final ConfigurationPropertyName TEST_KIT = ConfigurationPropertyName.of("limiter.test");

  private final Environment environment;

  LimiterPropertiesCheck(Environment environment) {
    this.environment = environment;
  }

  @Override
  public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
    List<String> problems = problems(environment);
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
  }

  static List<String> problems(Environment environment) {
    Set<String> problems = new LinkedHashSet<>();
    unknownNames(environment, problems);
    Binder binder = Binder.get(environment);
    CollectingHandler handler = new CollectingHandler(problems);
    LimiterProperties properties = binder.bind(LIMITER, Bindable.of(LimiterProperties.class), handler)
        .orElseGet(LimiterProperties::new);
    binder.bind("limiter.redis", Bindable.of(LimiterRedisProperties.class), handler);
    Problems maxKeys = new Problems();
    PolicyProperties.limiterSettings(properties, maxKeys).maxKeys(maxKeys);
    problems.addAll(maxKeys.lines());
    if (problems.isEmpty()) {
      return List.of();
    }
    values(properties, problems);
    return new ArrayList<>(problems);
  }

  private static void unknownNames(Environment environment, Set<String> problems) {
    Set<ConfigurationPropertyName> seen = new LinkedHashSet<>();
    for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
      if (!(source instanceof IterableConfigurationPropertySource iterable)
          || source.getUnderlyingSource() instanceof SystemEnvironmentPropertySource) {
        continue;
      }
      boolean jvm = source.getUnderlyingSource() instanceof PropertySource<?> ps
          && StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME.equals(ps.getName());
      iterable.stream().filter(LIMITER::isAncestorOf).filter(name -> !(jvm && TEST_KIT.isAncestorOf(name)))
          .filter(seen::add).forEach(name -> {
        String problem = PropertyNames.problem(name);
        if (problem != null) {
          problems.add(describe(name, source.getConfigurationProperty(name)) + " " + problem);
        }
      });
    }
  }

  private static String describe(ConfigurationPropertyName name, @Nullable ConfigurationProperty property) {
    if (property == null) {
      return name.toString();
    }
    Origin origin = property.getOrigin();
    return name + "=\"" + property.getValue() + "\"" + (origin == null ? "" : " (" + origin + ")");
  }

  /** The checks of the values that need no bean: the same code the beans run later, so messages are the same. */
  private static void values(LimiterProperties properties, Set<String> problems) {
    PolicyProperties policies = null;
    try {
      policies = PolicyProperties.read(properties);
    } catch (RateLimitConfigException e) {
      problems.addAll(e.problems());
    }
    properties.getAdaptive().forEach((name, adaptive) -> {
      if (adaptive.getSignals() == null) { // custom signals are beans, checked with them
        try {
          StepController.fromProperties(name, adaptive.toSpec(), "property limiter.adaptive." + name + ".", Map.of());
        } catch (RateLimitConfigException e) {
          problems.addAll(e.problems());
        } catch (IllegalArgumentException | IllegalStateException e) {
          problems.add("limiter.adaptive." + name + ": " + e.getMessage());
        }
      }
    });
    // limiter-web reads these alike for the servlet and the WebFlux filter: checked in web applications
    ClassLoader loader = LimiterPropertiesCheck.class.getClassLoader();
    if (ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest", loader)
        || ClassUtils.isPresent("org.springframework.web.server.WebFilter", loader)) {
      try {
        FilterProperties.clientIp(properties);
      } catch (RateLimitConfigException e) {
        problems.addAll(e.problems());
      }
      PolicyProperties known = policies != null ? policies
          : new PolicyProperties(List.of(), new PolicyDefaults(Map.of(), Map.of()), MissingKeyStrategy.reject(),
              Map.of());
      List<LimiterProperties.Rule> rules = properties.getFilter().getRules();
      List<String> ruleProblems = new ArrayList<>();
      for (int i = 0; i < rules.size(); i++) {
        FilterProperties.rule(rules.get(i), i, known.settings()::get, ruleProblems);
      }
      problems.addAll(ruleProblems);
    }
  }

  /** Turns a value that does not convert into a problem naming the property, its value and what it should be. */
  private static final class CollectingHandler extends AbstractBindHandler {

    private final Set<String> problems;

    CollectingHandler(Set<String> problems) {
      this.problems = problems;
    }

    @Override
    public @Nullable Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
        Exception error) {
      ConfigurationProperty property = context.getConfigurationProperty();
      Class<?> type = target.getType().resolve(Object.class);
      if (java.util.Collection.class.isAssignableFrom(type)) {
        Class<?> element = target.getType().asCollection().resolveGeneric(0);
        if (element != null && element != Object.class && !isGroup(element)) { // a list of values, given in one
          problems.add(describe(name, property) + " is not " + expected(element));
          return null;
        }
      }
      if (!type.isEnum() && type.getPackageName().equals(LimiterProperties.class.getPackageName())
          || Map.class.isAssignableFrom(type) || java.util.Collection.class.isAssignableFrom(type)) {
        return null; // a value given to a group: the name check explains it
      }
      problems.add(describe(name, property) + " is not " + expected(type));
      return null;
    }

    private static boolean isGroup(Class<?> type) {
      return !type.isEnum() && type.getPackageName().equals(LimiterProperties.class.getPackageName());
    }

    private static String expected(Class<?> type) {
      if (type.isEnum()) {
        return "one of " + String.join(", ", Arrays.stream(type.getEnumConstants())
            .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT).replace('_', '-')).toList());
      }
      if (type == io.limiter.core.settings.Percentage.class) {
        return "a percentage such as 75% or 12.5%";
      }
      if (type == java.time.Duration.class) {
        return "a duration such as 500ms, 10s, 5m, 1h or 1d";
      }
      if (type == org.springframework.util.unit.DataSize.class) {
        return "a size such as 512B, 64KB or 10MB";
      }
      if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
        return "a whole number";
      }
      if (type == double.class || type == Double.class) {
        return "a number";
      }
      if (type == boolean.class || type == Boolean.class) {
        return "true or false";
      }
      return "a " + type.getSimpleName();
    }
  }
}
