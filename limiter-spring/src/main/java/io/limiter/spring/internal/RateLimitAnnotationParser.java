package io.limiter.spring.internal;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Algorithm;
import io.limiter.core.ChargeOn;
import io.limiter.core.KeyResolver;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.LimitSpecException;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.StepParts;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.spring.RateLimitInvocation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.util.ClassUtils;

/**
 * Parses one {@code @RateLimit} into a {@link RateLimitOperation} for one method, validating every element: the spec
 * or policy name, cost, algorithm, shadow flag and key. Inline policies are registered in the registry here, so they
 * exist (and show in the actuator endpoint) from startup on. Thread-safe.
 *
 * <p>Inline policies are named after the element that declares them: {@code OrderController.create} for a method,
 * {@code OrderController} for a class (shared by all its methods). Overloads that declare limits get their parameter
 * types ({@code OrderController.create(String)}); a second inline limit on the same element gets {@code #2}, and so
 * on; a simple name already taken by another element falls back to the fully qualified name.
 */
public final class RateLimitAnnotationParser {

  /**
   * The default key outside a web request: all such calls share the policy's one bucket. For an inline policy on a
   * method that is one bucket per method; a named or class-level policy is shared by the methods that use it. No
   * key of a kind ({@code s:}, {@code r:}, {@code ip:}...) can equal it, so a call keyed by it is one of all callers.
   */
  public static final String OUTSIDE_REQUEST_KEY = "*";

  private final RateLimiterRegistry registry;
  private final InvocationKeys keys;
  private final Map<String, String> policyKeys;
  private final Map<String, MissingKeyStrategy> policyMissingKeys;
  private final MissingKeyStrategy defaultMissingKey;
  private final SteppedLimiterRegistry steps;
  /** Which element owns each default policy name, so that two elements never share a bucket by accident. */
  private final ConcurrentMap<String, String> owners = new ConcurrentHashMap<>();

  /**
   * @param registry configured policies; inline ones are added
   * @param keys compiles keys
   * @param policyKeys the default key of configured policies, by policy name
   * @param policyMissingKeys the missing-key strategy of configured policies, by policy name
   * @param defaultMissingKey the strategy of everything else
   * @param steps the stepped limiters of configured policies; inline ones with steps are added
   */
  public RateLimitAnnotationParser(RateLimiterRegistry registry, InvocationKeys keys, Map<String, String> policyKeys,
      Map<String, MissingKeyStrategy> policyMissingKeys, MissingKeyStrategy defaultMissingKey,
      SteppedLimiterRegistry steps) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.policyKeys = Map.copyOf(policyKeys);
    this.policyMissingKeys = Map.copyOf(policyMissingKeys);
    this.defaultMissingKey = Objects.requireNonNull(defaultMissingKey, "defaultMissingKey");
    this.steps = Objects.requireNonNull(steps, "steps");
  }

  /** @return the registry inline policies are registered in */
  public RateLimiterRegistry registry() {
    return registry;
  }

  /**
   * Parses one annotation for one method.
   *
   * @param annotation the annotation, with its source (the method or class that declares it)
   * @param indexOnElement the position of the annotation among the inline ones of its element (0 for the first)
   * @param method the most specific method it applies to
   * @param targetClass the target class
   * @param problems receives what is wrong, naming the element
   * @return the operation, or null if there were problems
   */
  public @Nullable RateLimitOperation parse(MergedAnnotation<RateLimit> annotation, int indexOnElement,
      Method method, Class<?> targetClass, List<String> problems) {
    // Found on an element, so its source is that element (only annotations made from a map have none).
    Object declaredOn = Objects.requireNonNull(annotation.getSource(), "source of a found annotation");
    String where = describe(declaredOn, method);
    int before = problems.size();
    String value = annotation.getString("value").trim();
    String name = annotation.getString("name").trim();
    String keyText = annotation.getString("key").trim();
    long cost = annotation.getLong("cost");
    Algorithm algorithm = annotation.getEnum("algorithm", Algorithm.class);
    boolean shadow = annotation.getBoolean("shadow");
    String at = where;
    StepParts parts = StepParts.parse(annotation.getString("tiers"), annotation.getString("tierKey"),
        annotation.getString("schedule"), annotation.getString("adaptive"), annotation.getString("penalty"),
        part -> at.replaceFirst("^@RateLimit", "@RateLimit(" + attribute(part) + ")"), problems);

    if (cost < 1) {
      problems.add(where + ": cost must be >= 1 but was " + cost);
    }
    ChargeOn chargeOn = ChargeOn.always();
    try {
      chargeOn = ChargeOn.parse(annotation.getString("chargeOn"));
    } catch (IllegalArgumentException e) {
      problems.add(where + ": " + e.getMessage());
    }
    RateLimiter limiter = null;
    if (value.isEmpty() && name.isEmpty()) {
      problems.add(where + ": set value to a rate spec such as \"10/minute\", or name to a configured policy; known "
          + "policies: " + registry.names());
    } else if (!value.isEmpty()) {
      limiter = inline(value, name, cost, algorithm, shadow, declaredOn, indexOnElement, where, problems);
    } else {
      limiter = named(name, cost, algorithm, shadow, where, problems);
      if (!parts.isEmpty()) {
        List<String> set = parts.names().stream().map(RateLimitAnnotationParser::attribute).toList();
        problems.add(where + ": " + String.join(", ", set) + (set.size() == 1 ? " applies" : " apply")
            + " to inline policies (with value); set " + (set.size() == 1 ? "it" : "them") + " on the configured "
            + "policy " + name + " instead (limiter.policies." + name + ".*)");
      }
    }
    if (limiter == null || problems.size() > before) {
      return null;
    }
    SteppedLimiterRegistry.Entry stepped = !value.isEmpty() && !parts.isEmpty()
        ? steps.build(limiter.policy(), parts, owner(declaredOn, indexOnElement), where, problems)
        : steps.find(limiter.policy().name());
    if (problems.size() > before) {
      return null;
    }
    KeyResolver<RateLimitInvocation> tier = null;
    if (stepped != null && stepped.parts().tierKey() != null) {
      boolean tierFromProperties = value.isEmpty();
      try {
        tier = TierKeys.forCalls(stepped.parts().tierKey(), keys, method, declaredOn, targetClass,
            tierFromProperties);
      } catch (IllegalArgumentException e) {
        problems.add(stepped.parts().label("tier-key") + (tierFromProperties ? " (used by " + where + ")"
            : "") + ": " + e.getMessage());
        return null;
      }
    }
    String policyName = limiter.policy().name();
    boolean fromProperties = false;
    if (keyText.isEmpty() && value.isEmpty() && policyKeys.containsKey(policyName)) {
      keyText = policyKeys.get(policyName);
      fromProperties = true;
    }
    KeyResolver<RateLimitInvocation> key;
    try {
      key = keyText.isEmpty() ? keys.defaultKey(OUTSIDE_REQUEST_KEY)
          : keys.compile(keyText, method, declaredOn, targetClass, fromProperties);
    } catch (IllegalArgumentException e) {
      problems.add(where + (fromProperties ? " (key from limiter.policies." + policyName + ".key)" : "") + ": "
          + e.getMessage());
      return null;
    }
    InvocationKeys.Cost estimate = null;
    InvocationKeys.Cost actualCost = null;
    String estimateText = annotation.getString("estimate").trim();
    String actualText = annotation.getString("actualCost").trim();
    try {
      if (!estimateText.isEmpty()) {
        estimate = keys.compileCost(estimateText, method, declaredOn, targetClass, false);
      }
    } catch (IllegalArgumentException e) {
      problems.add(where + ": estimate " + e.getMessage());
    }
    try {
      if (!actualText.isEmpty()) {
        actualCost = keys.compileCost(actualText, method, declaredOn, targetClass, true);
      }
    } catch (IllegalArgumentException e) {
      problems.add(where + ": actualCost " + e.getMessage());
    }
    java.time.Duration maxWait = maxWait(annotation.getString("maxWait").trim(), limiter.policy(), stepped != null,
        !chargeOn.isAlways() || actualCost != null || estimate != null, where, problems);
    if (problems.size() > before) {
      return null;
    }
    MissingKeyStrategy missing = policyMissingKeys.getOrDefault(policyName, defaultMissingKey);
    long effectiveCost = cost == 1 ? limiter.policy().cost() : cost;
    return new RateLimitOperation(where, limiter, effectiveCost, keyText.isEmpty() ? "(default)" : keyText, key,
        missing, stepped == null ? null : stepped.limiter(), tier, chargeOn, estimate, actualCost, maxWait);
  }

  /**
   * Reads {@code maxWait}: a duration, zero when empty (or invalid: then with a problem, so no operation is built).
   * Waiting reserves a future slot, which only a token bucket can; the permits are spent when the slot comes, so they
   * cannot be settled on the outcome, and step levels change the limits under the queue of waiting calls.
   */
  private static java.time.Duration maxWait(String text, LimitPolicy policy, boolean stepped, boolean settled,
      String where, List<String> problems) {
    if (text.isEmpty()) {
      return java.time.Duration.ZERO;
    }
    java.time.Duration wait;
    try {
      wait = io.limiter.core.DurationFormat.parse(text);
    } catch (IllegalArgumentException e) {
      problems.add(where + ": maxWait " + e.getMessage());
      return java.time.Duration.ZERO;
    }
    if (wait.isZero()) {
      return wait;
    }
    try {
      io.limiter.core.KeySpace.requireWaitable(policy);
    } catch (IllegalArgumentException e) {
      problems.add(where + ": maxWait \"" + text + "\": " + e.getMessage());
    }
    if (stepped) {
      problems.add(where + ": maxWait \"" + text + "\" cannot be combined with step throttling (tiers, schedule, "
          + "adaptive, penalty) of policy " + policy.name());
    }
    if (settled) {
      problems.add(where + ": maxWait \"" + text + "\" cannot be combined with chargeOn, estimate or actualCost: a "
          + "paced call's permits are spent when its slot comes");
    }
    return wait;
  }

  /** The element and position that define an inline policy, which alone may give it step settings. */
  private static String owner(Object declaredOn, int index) {
    String element = declaredOn instanceof Method m ? m.toGenericString() : ((Class<?>) declaredOn).getName();
    return "@RateLimit on " + element + (index == 0 ? "" : " #" + (index + 1));
  }

  private @Nullable RateLimiter inline(String value, String name, long cost, Algorithm algorithm, boolean shadow,
      Object declaredOn, int index, String where, List<String> problems) {
    LimitSpec spec;
    try {
      spec = LimitSpec.parse(value);
    } catch (LimitSpecException e) {
      problems.add(where + ": value is not a rate spec: " + e.getMessage());
      return null;
    }
    String policyName = name.isEmpty() ? defaultName(declaredOn, index) : name;
    LimitPolicy policy;
    try {
      policy = LimitPolicy.builder(policyName).limits(spec).algorithm(algorithm).shadow(shadow).cost(cost).build();
    } catch (IllegalArgumentException | IllegalStateException e) {
      problems.add(where + ": " + e.getMessage());
      return null;
    }
    try {
      return registry.register(policy);
    } catch (IllegalStateException e) {
      problems.add(where + ": " + e.getMessage() + "; give the inline policy another name, or refer to the existing "
          + "one with name alone");
      return null;
    }
  }

  private @Nullable RateLimiter named(String name, long cost, Algorithm algorithm, boolean shadow, String where,
      List<String> problems) {
    Optional<RateLimiter> limiter = registry.find(name);
    if (limiter.isEmpty()) {
      problems.add(where + ": unknown policy \"" + name + "\"; known policies: " + registry.names());
      return null;
    }
    LimitPolicy policy = limiter.get().policy();
    if (algorithm != Algorithm.TOKEN_BUCKET || shadow) {
      problems.add(where + ": algorithm and shadow apply to inline policies (with value); set them on the configured "
          + "policy " + name + " instead");
    }
    for (Limit limit : policy.limits()) {
      if (cost > limit.burst()) {
        problems.add(where + ": cost " + cost + " exceeds the capacity " + limit.burst() + " of limit " + limit
            + " of policy " + name + "; every call would be rejected");
        break;
      }
    }
    return limiter.get();
  }

  private String defaultName(Object declaredOn, int index) {
    String base;
    String qualified;
    String owner;
    if (declaredOn instanceof Method m) {
      String cls = ClassUtils.getShortName(m.getDeclaringClass());
      boolean overloaded = Arrays.stream(m.getDeclaringClass().getDeclaredMethods())
          .filter(other -> other.getName().equals(m.getName()) && !other.isBridge() && !other.isSynthetic())
          .filter(other -> other.isAnnotationPresent(RateLimit.class)
              || other.isAnnotationPresent(io.limiter.annotation.RateLimits.class))
          .count() > 1;
      String params = "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
          .collect(Collectors.joining(",")) + ")";
      base = cls + "." + m.getName() + (overloaded ? params : "");
      qualified = m.getDeclaringClass().getName() + "." + m.getName() + (overloaded ? params : "");
      owner = m.toGenericString();
    } else {
      Class<?> c = (Class<?>) declaredOn;
      base = ClassUtils.getShortName(c);
      qualified = c.getName();
      owner = c.getName();
    }
    String suffix = index == 0 ? "" : "#" + (index + 1);
    String name = base + suffix;
    String previous = owners.putIfAbsent(name, owner);
    if (previous == null || previous.equals(owner)) {
      return name;
    }
    return qualified + suffix;
  }


  /**
   * @param declaredOn the element declaring the annotation
   * @param method the method it applies to
   * @return how messages name the annotation, e.g. {@code @RateLimit on OrderController.create(String)}
   */
  public static String describe(Object declaredOn, Method method) {
    if (declaredOn instanceof Class<?> c) {
      return "@RateLimit on class " + ClassUtils.getShortName(c) + " (applied to " + describe(method) + ")";
    }
    Method m = declaredOn instanceof Method declared ? declared : method;
    String on = describe(m);
    return m.equals(method) ? "@RateLimit on " + on : "@RateLimit on " + on + " (applied to " + describe(method) + ")";
  }

  /**
   * @param method a method
   * @return {@code SimpleClass.method(ParamType, ...)}
   */
  public static String describe(Method method) {
    return ClassUtils.getShortName(method.getDeclaringClass()) + "." + method.getName() + "("
        + Arrays.stream(method.getParameterTypes()).map(Class::getSimpleName).collect(Collectors.joining(", "))
        + ")";
  }

  /**
   * @param element an annotated element
   * @return its name for messages
   */
  public static String describe(AnnotatedElement element) {
    return element instanceof Method m ? describe(m) : ClassUtils.getShortName((Class<?>) element);
  }

  /** The annotation attribute of a step part: {@code tier-key} is {@code tierKey}. */
  private static String attribute(String part) {
    return part.equals("tier-key") ? "tierKey" : part;
  }
}
