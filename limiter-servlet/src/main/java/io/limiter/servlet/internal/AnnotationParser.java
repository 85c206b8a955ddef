package io.limiter.servlet.internal;

import io.limiter.annotation.RateLimit;
import io.limiter.annotation.RateLimitAnnotations;
import io.limiter.core.Algorithm;
import io.limiter.core.ChargeOn;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.StepSchedule;
import io.limiter.core.step.Tiers;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import io.limiter.web.StepSettings;
import io.limiter.web.internal.Binding;
import io.limiter.web.internal.StepBinder;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Reads {@code @RateLimit} from a servlet class and its {@code service}/{@code doXxx} methods into bindings, once per
 * class. Annotations are found by a {@link RateLimitAnnotations} lookup, so composed annotations
 * ({@code @TwoPerHour} carrying {@code @RateLimit}) count like plain ones.
 *
 * <p>The rule, the same as limiter-spring's: limits declared at different levels all apply to a request, the most
 * specific first: {@code doXxx} of its HTTP method ({@code HEAD} without annotations of its own takes
 * {@code doGet}'s), then {@code service} (either signature), then the class. At each level the nearest declaration
 * up the class hierarchy that carries annotations counts, so an override without annotations does not drop an
 * inherited limit, and a superclass's method never replaces a subclass's class-level limit. A level that names the
 * same policy as a less specific one ({@code name = "api"}) replaces it, e.g. to charge a higher cost.
 */
public final class AnnotationParser {

  private static final String[][] HTTP_METHODS = {
      {"GET", "doGet"}, {"POST", "doPost"}, {"PUT", "doPut"}, {"DELETE", "doDelete"}, {"HEAD", "doHead"},
      {"OPTIONS", "doOptions"}, {"TRACE", "doTrace"}, {"PATCH", "doPatch"}};

  private final RateLimiterRegistry registry;
  private final Function<KeyReference, KeyResolver<HttpRequestView>> keys;
  private final @Nullable KeyReference defaultKey;
  private final KeyResolver<HttpRequestView> defaultKeyResolver;
  private final MissingKeyStrategy missingKey;
  private final StepBinder steps;
  private final RateLimitAnnotations lookup;
  private final Map<Class<?>, ServletLimits> byClass = new ConcurrentHashMap<>();
  /** Generated policy names and the element that generated each, to catch two elements with one name. */
  private final Map<String, String> generatedNames = new ConcurrentHashMap<>();

  /**
   * @param registry where inline policies are registered and named ones looked up
   * @param keys turns a key reference into a resolver (with the filter's client-IP settings)
   * @param defaultKey the key of annotations without one, or null if {@code defaultKeyResolver} is custom
   * @param defaultKeyResolver the resolver of annotations without a key
   * @param missingKey what to do without a key
   * @param steps builds stepped limiters for annotations with tiers, schedule, adaptive or penalty
   * @param lookup finds the annotations of one class or method
   */
  public AnnotationParser(RateLimiterRegistry registry, Function<KeyReference, KeyResolver<HttpRequestView>> keys,
      @Nullable KeyReference defaultKey, KeyResolver<HttpRequestView> defaultKeyResolver,
      MissingKeyStrategy missingKey, StepBinder steps, RateLimitAnnotations lookup) {
    this.registry = registry;
    this.keys = keys;
    this.defaultKey = defaultKey;
    this.defaultKeyResolver = defaultKeyResolver;
    this.missingKey = missingKey;
    this.steps = steps;
    this.lookup = lookup;
  }

  /**
   * @param servletClass the servlet class
   * @param problems receives every configuration error of its annotations
   * @return its limits; {@link ServletLimits#NONE} if it has none
   */
  public ServletLimits parse(Class<?> servletClass, List<String> problems) {
    ServletLimits cached = byClass.get(servletClass);
    if (cached != null) {
      return cached;
    }
    List<String> found = new ArrayList<>();
    List<Binding> classLevel = List.of();
    for (Class<?> k = servletClass; isApplicationClass(k); k = k.getSuperclass()) {
      List<RateLimit> onClass = lookup.on(k);
      if (!onClass.isEmpty()) {
        classLevel = bindings(onClass, servletClass.getSimpleName(), "@RateLimit on class " + k.getName(), found);
        break;
      }
    }
    List<Binding> service = new ArrayList<>();
    List<Binding> httpService = methodBindings(servletClass, "service", HttpServletRequest.class,
        HttpServletResponse.class, found);
    if (httpService != null) {
      service.addAll(httpService);
    }
    List<Binding> genericService = methodBindings(servletClass, "service", ServletRequest.class,
        ServletResponse.class, found);
    if (genericService != null) {
      service.addAll(genericService);
    }
    Map<String, List<Binding>> byMethod = new HashMap<>();
    for (String[] m : HTTP_METHODS) {
      List<Binding> own = methodBindings(servletClass, m[1], HttpServletRequest.class, HttpServletResponse.class,
          found);
      if (own != null) {
        byMethod.put(m[0], own);
      }
    }
    if (!byMethod.containsKey("HEAD") && byMethod.containsKey("GET")) {
      byMethod.put("HEAD", byMethod.get("GET"));
    }
    problems.addAll(found);
    ServletLimits limits = classLevel.isEmpty() && service.isEmpty() && byMethod.isEmpty() ? ServletLimits.NONE
        : new ServletLimits(classLevel, service, byMethod);
    if (found.isEmpty()) {
      byClass.put(servletClass, limits);
    }
    return limits;
  }

  /** The application's part of a servlet's hierarchy; the servlet API's own classes carry no limits. */
  private static boolean isApplicationClass(Class<?> k) {
    return k != null && k != HttpServlet.class && k != GenericServlet.class && k != Object.class;
  }

  private @Nullable List<Binding> methodBindings(Class<?> servletClass, String methodName, Class<?> requestType,
      Class<?> responseType, List<String> problems) {
    for (Class<?> k = servletClass; isApplicationClass(k); k = k.getSuperclass()) {
      Method method;
      try {
        method = k.getDeclaredMethod(methodName, requestType, responseType);
      } catch (NoSuchMethodException e) {
        continue;
      }
      List<RateLimit> annotations = lookup.on(method);
      if (!annotations.isEmpty()) {
        boolean generic = requestType == ServletRequest.class;
        String element = servletClass.getSimpleName() + "." + methodName + (generic ? "(ServletRequest)" : "");
        return bindings(annotations, element, "@RateLimit on " + k.getName() + "." + methodName
            + (generic ? "(ServletRequest, ServletResponse)" : ""), problems);
      }
    }
    return null;
  }

  private List<Binding> bindings(List<RateLimit> annotations, String element, String where,
      List<String> problems) {
    List<Binding> out = new ArrayList<>(annotations.size());
    for (int i = 0; i < annotations.size(); i++) {
      RateLimit a = annotations.get(i);
      String at = annotations.size() == 1 ? where : where + " (#" + (i + 1) + ")";
      int before = problems.size();
      KeyResolver<HttpRequestView> key = defaultKeyResolver;
      KeyReference keyReference = defaultKey;
      if (!a.key().isEmpty()) {
        String k = a.key().trim();
        if (k.startsWith("#") || k.startsWith("@")) {
          problems.add(at + ": key \"" + a.key() + "\" is a SpEL expression, which only limiter-spring evaluates; "
              + "the servlet filter understands ip, header:<name>, principal, attribute:<name> and global");
        } else {
          try {
            KeyReference reference = KeyReference.parse(k);
            key = keys.apply(reference);
            keyReference = reference;
          } catch (IllegalArgumentException e) {
            problems.add(at + ": key: " + e.getMessage());
          }
        }
      }
      if (a.cost() < 1) {
        problems.add(at + ": cost must be >= 1 but was " + a.cost());
      }
      if (!a.actualCost().isBlank() || !a.estimate().isBlank()) {
        problems.add(at + ": estimate and actualCost are evaluated by limiter-spring only; the servlet filter "
            + "charges cost");
      }
      if (!a.maxWait().isBlank()) {
        problems.add(at + ": maxWait is for outbound calls limited by limiter-spring; the servlet filter never holds "
            + "a request waiting for a permit");
      }
      ChargeOn chargeOn = ChargeOn.always();
      try {
        chargeOn = ChargeOn.parse(a.chargeOn());
      } catch (IllegalArgumentException e) {
        problems.add(at + ": " + e.getMessage());
      }
      StepSettings stepSettings = stepSettings(a, at, problems);
      RateLimiter limiter = null;
      StepBinder.Stepped stepped = null;
      long permits = a.cost();
      if (!a.value().isEmpty()) {
        String name = !a.name().isEmpty() ? a.name()
            : annotations.size() == 1 ? element : element + "#" + (i + 1);
        try {
          LimitPolicy policy = LimitPolicy.builder(name).limits(a.value()).algorithm(a.algorithm())
              .shadow(a.shadow()).cost(Math.max(1, a.cost())).build();
          if (a.name().isEmpty()) {
            String previous = generatedNames.putIfAbsent(name, where);
            if ((previous != null && !previous.equals(where))
                || (previous == null && registry.find(name).isPresent())) {
              problems.add(at + ": the generated policy name \"" + name + "\" is already used by "
                  + (previous != null ? previous : "a configured policy") + "; set @RateLimit(name = ...)");
            }
          }
          if (problems.size() == before) {
            limiter = registry.register(policy);
            if (!stepSettings.isEmpty()) {
              stepped = steps.inline(policy, stepSettings, at, problems);
            }
          } else {
            stepSettings.parts(part -> StepBinder.label(at, part)).controller(steps.controllers(), problems);
          }
        } catch (IllegalArgumentException | IllegalStateException e) {
          problems.add(at + ": value \"" + a.value() + "\": " + e.getMessage());
        }
      } else if (!a.name().isEmpty()) {
        limiter = registry.find(a.name()).orElse(null);
        if (limiter == null) {
          problems.add(at + ": unknown policy \"" + a.name() + "\"; known policies: " + registry.names());
        } else {
          if (a.algorithm() != Algorithm.TOKEN_BUCKET || a.shadow()) {
            problems.add(at + ": algorithm and shadow apply to an inline policy (value); policy " + a.name()
                + " is configured elsewhere, set them there");
          }
          if (!stepSettings.isEmpty()) {
            problems.add(at + ": " + String.join(", ", stepSettings.parts()) + " appl"
                + (stepSettings.parts().size() == 1 ? "ies" : "y") + " to an inline policy (value); policy " + a.name()
                + " is configured elsewhere, set " + (stepSettings.parts().size() == 1 ? "it" : "them") + " there");
          }
          permits = a.cost() == 1 ? limiter.policy().cost() : a.cost();
          Binding.checkCost(limiter.policy(), permits, problems, at + ": ");
          stepped = steps.named(limiter.policy(), at, problems);
        }
      } else {
        problems.add(at + ": set value (a rate spec such as \"10/minute\") or name (a configured policy)");
      }
      if (problems.size() == before && limiter != null) {
        out.add(new Binding(at, limiter, permits, key, keyReference, missingKey, List.of(), Set.of(), stepped)
            .withChargeOn(chargeOn));
      }
    }
    return out;
  }

  /** Reads tiers, tierKey, schedule, adaptive and penalty; each problem names the element, as in Spring. */
  private StepSettings stepSettings(RateLimit a, String at, List<String> problems) {
    StepSettings.Builder b = StepSettings.builder();
    step(a.tiers(), StepBinder.label(at, "tiers"), problems, v -> b.tiers(Tiers.parse(v, StepBinder.label(at,
        "tiers"))));
    step(a.tierKey(), StepBinder.label(at, "tier-key"), problems, v -> {
      if (v.trim().startsWith("#") || v.trim().startsWith("@")) {
        throw new IllegalArgumentException("tier key \"" + v + "\" is a SpEL expression, which only limiter-spring "
            + "evaluates; the servlet filter understands header:<name>, attribute:<name> and principal");
      }
      b.tierKey(v);
    });
    step(a.schedule(), StepBinder.label(at, "schedule"), problems, v -> b.schedule(StepSchedule.parse(v,
        StepBinder.label(at, "schedule"))));
    // the controller is checked with the combination, by core's StepParts
    step(a.adaptive(), StepBinder.label(at, "adaptive"), problems, b::adaptive);
    step(a.penalty(), StepBinder.label(at, "penalty"), problems, v -> b.penalty(PenaltyRule.parse(v,
        StepBinder.label(at, "penalty"))));
    return b.build();
  }

  private static void step(String value, String where, List<String> problems, Consumer<String> setter) {
    if (value.isBlank()) {
      return;
    }
    try {
      setter.accept(value);
    } catch (RateLimitConfigException e) {
      problems.addAll(e.problems());
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
  }
}
