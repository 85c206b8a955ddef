package io.limiter.spring.internal;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitExceededException;
import io.limiter.spring.RateLimitFallback;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.aop.support.AopUtils;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Finds the {@code @RateLimit} annotations that apply to a (method, target class) and caches the parsed result, like
 * Spring's {@code AbstractFallbackCacheOperationSource}: each pair is parsed once, later calls cost one map lookup.
 *
 * <h2>Which annotations apply</h2>
 * <ul>
 *   <li>Method level: the annotations on the most specific implementation; if it has none, those on the nearest
 *       method it overrides or implements (superclass or interface, generic signatures included).
 *   <li>Class level: the annotations on the target class, else on its nearest annotated superclass or interface; they
 *       apply to the methods {@link #classLevelCovers} names: request handlers of any visibility, and outside
 *       controllers every public instance method (not methods of {@code Object}, nor MVC's callbacks).
 *   <li>Composed annotations count like plain ones (Spring's merged annotations, {@code @AliasFor} included).
 *   <li>Servlets are left to limiter-servlet's filter.
 *   <li>Both apply together (the method-level ones are decided first): a method can be stricter than its class but
 *       never escape it. A method-level annotation that names the same policy as a class-level one
 *       ({@code name = "api"}) replaces it for that method, e.g. to charge a higher cost.
 * </ul>
 * In proxy mode an annotation on a private, static or final method is an error, since the proxy cannot intercept it;
 * {@link #unenforced} lists what the mode would miss otherwise (self-invocations, or under weaving inherited
 * annotations). Thread-safe.
 */
public final class AnnotationRateLimitOperationSource {

  // Spring MVC is optional: its annotations are matched by name, so that no class of it is loaded here.
  private static final String REQUEST_MAPPING = "org.springframework.web.bind.annotation.RequestMapping";
  /** MVC maps {@code @HttpExchange} (and {@code @GetExchange}...) methods of a controller as handlers too. */
  private static final String HTTP_EXCHANGE = "org.springframework.web.service.annotation.HttpExchange";
  private static final String MODEL_ATTRIBUTE = "org.springframework.web.bind.annotation.ModelAttribute";
  private static final String INIT_BINDER = "org.springframework.web.bind.annotation.InitBinder";
  private static final String EXCEPTION_HANDLER = "org.springframework.web.bind.annotation.ExceptionHandler";
  private static final String CONTROLLER = "org.springframework.stereotype.Controller";
  private static final @Nullable Class<?> SERVLET = servletType();

  private final RateLimitAnnotationParser parser;
  private final boolean proxyMode;
  // empty for a method that is not rate limited, so that it is looked up once too
  private final Map<MethodClassKey, Optional<RateLimitOperations>> cache = new ConcurrentHashMap<>(256);
  private final Map<Class<?>, List<String>> classProblems = new ConcurrentHashMap<>(64);

  /**
   * @param parser parses annotations
   * @param proxyMode whether calls are intercepted by Spring AOP proxies (private, final and static methods cannot
   *     be) rather than by AspectJ weaving
   */
  public AnnotationRateLimitOperationSource(RateLimitAnnotationParser parser, boolean proxyMode) {
    this.parser = Objects.requireNonNull(parser, "parser");
    this.proxyMode = proxyMode;
  }

  /**
   * @param method the called method
   * @param targetClass the class of the target bean, or null for the method's declaring class
   * @return what applies, or null if the method is not rate limited
   */
  public @Nullable RateLimitOperations getOperations(Method method, @Nullable Class<?> targetClass) {
    Class<?> target = targetClass == null ? method.getDeclaringClass() : ClassUtils.getUserClass(targetClass);
    MethodClassKey key = new MethodClassKey(method, target);
    Optional<RateLimitOperations> cached = cache.get(key);
    if (cached == null) {
      // computeIfAbsent would hold a bin lock while parsing, which registers policies and may evaluate bean
      // factories; a rare duplicate parse is harmless since parsing is idempotent.
      cached = Optional.ofNullable(compute(method, target));
      Optional<RateLimitOperations> previous = cache.putIfAbsent(key, cached);
      cached = previous != null ? previous : cached;
    }
    return cached.orElse(null);
  }

  /**
   * Whether any {@code @RateLimit} applies to the method, by the rules above, without parsing: the proxy's method
   * matcher, which must not create beans.
   *
   * @param method the called method
   * @param targetClass the class of the target bean, or null for the method's declaring class
   * @return whether calls of the method are rate limited
   */
  public static boolean isAnnotated(Method method, @Nullable Class<?> targetClass) {
    if (method.getDeclaringClass() == Object.class) {
      return false;
    }
    Class<?> target = targetClass == null ? method.getDeclaringClass() : ClassUtils.getUserClass(targetClass);
    if (isServlet(target)) {
      return false;
    }
    Method specific = AopUtils.getMostSpecificMethod(method, target);
    if (isAnnotated(MergedAnnotations.from(specific, SearchStrategy.TYPE_HIERARCHY))) {
      return true;
    }
    return classLevelCovers(specific, target)
        && isAnnotated(MergedAnnotations.from(target, SearchStrategy.TYPE_HIERARCHY));
  }

  /**
   * Whether a class-level {@code @RateLimit} covers a method: a request-handling method of any visibility
   * ({@code @RequestMapping}, {@code @HttpExchange} and their variants); in a controller nothing else; elsewhere every
   * public instance method.
   * MVC's callbacks ({@code @ModelAttribute}, {@code @InitBinder}, {@code @ExceptionHandler}) are never covered: MVC
   * calls them around a request's handler, and charging them would charge one request several times (or limit the
   * handler of the rejection itself).
   *
   * @param method the most specific method
   * @param targetClass the target class
   * @return whether the class-level annotations apply to calls of the method
   */
  static boolean classLevelCovers(Method method, Class<?> targetClass) {
    int modifiers = method.getModifiers();
    if (Modifier.isStatic(modifiers) || method.isBridge() || method.isSynthetic()) {
      return false;
    }
    MergedAnnotations annotations = MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY);
    if (annotations.isPresent(REQUEST_MAPPING) || annotations.isPresent(HTTP_EXCHANGE)) {
      return true;
    }
    if (annotations.isPresent(MODEL_ATTRIBUTE) || annotations.isPresent(INIT_BINDER)
        || annotations.isPresent(EXCEPTION_HANDLER)) {
      return false;
    }
    MergedAnnotations type = MergedAnnotations.from(targetClass, SearchStrategy.TYPE_HIERARCHY);
    if (type.isPresent(CONTROLLER) || type.isPresent(REQUEST_MAPPING) || type.isPresent(HTTP_EXCHANGE)) {
      return false;
    }
    return Modifier.isPublic(modifiers);
  }

  /**
   * Servlets are limited by limiter-servlet's filter, which reads the same annotations (Spring Boot registers it);
   * a proxy or aspect would charge {@code init}, {@code service} and {@code doXxx} on top of it, and cannot see
   * {@code service} calling {@code doGet} on itself.
   */
  static boolean isServlet(Class<?> type) {
    return SERVLET != null && SERVLET.isAssignableFrom(type);
  }

  /**
   * Quick check for the proxy's class filter.
   *
   * @param targetClass a bean class
   * @return whether the class or any of its methods (or what they override) carries {@code @RateLimit}
   */
  public static boolean mayHaveOperations(Class<?> targetClass) {
    Class<?> user = ClassUtils.getUserClass(targetClass);
    return !isServlet(user) && declaresRateLimit(user);
  }

  /**
   * @param user a class
   * @return whether it, one of its methods or what they override carries {@code @RateLimit}, servlets included
   */
  static boolean declaresRateLimit(Class<?> user) {
    if (!AnnotationUtils.isCandidateClass(user, RateLimit.class)) {
      return false;
    }
    if (isAnnotated(MergedAnnotations.from(user, SearchStrategy.TYPE_HIERARCHY))) {
      return true;
    }
    for (Method m : ReflectionUtils.getAllDeclaredMethods(user)) {
      if (m.getDeclaringClass() != Object.class
          && isAnnotated(MergedAnnotations.from(m, SearchStrategy.TYPE_HIERARCHY))) {
        return true;
      }
    }
    for (Class<?> i : ClassUtils.getAllInterfacesForClassAsSet(user)) {
      for (Method m : i.getMethods()) {
        if (isAnnotated(MergedAnnotations.from(m, SearchStrategy.DIRECT))) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * Parses every rate limited method of a class, including the ones a proxy could never see, and returns what is
   * wrong. Cached per class.
   *
   * @param targetClass a bean class
   * @return the problems, one line each naming the method; empty if none
   */
  public List<String> problems(Class<?> targetClass) {
    Class<?> user = ClassUtils.getUserClass(targetClass);
    return classProblems.computeIfAbsent(user, c -> {
      if (!mayHaveOperations(c)) {
        return List.of();
      }
      Set<String> problems = new LinkedHashSet<>();
      for (Method m : ReflectionUtils.getAllDeclaredMethods(c)) {
        if (m.getDeclaringClass() == Object.class || m.isBridge() || m.isSynthetic()) {
          continue;
        }
        RateLimitOperations ops = getOperations(m, c);
        if (ops != null) {
          problems.addAll(ops.problems());
        }
      }
      return List.copyOf(problems);
    });
  }

  private static @Nullable Class<?> servletType() {
    ClassLoader loader = AnnotationRateLimitOperationSource.class.getClassLoader();
    return ClassUtils.isPresent("jakarta.servlet.Servlet", loader)
        ? ClassUtils.resolveClassName("jakarta.servlet.Servlet", loader) : null;
  }

  /**
   * How deep in composed annotations the woven {@code RateLimitAspect}'s pointcut looks: 0 is {@code @RateLimit}
   * itself, 1 an annotation carrying it, 2 an annotation carrying such an annotation. Keep in step with the pointcut.
   */
  public static final int WOVEN_META_DEPTH = 2;

  /**
   * The rate limited methods of a class whose limits the mode never sees. Under AspectJ weaving: its pointcut
   * matches annotations written (directly or composed, up to {@link #WOVEN_META_DEPTH}) on the executing method or on
   * the class that declares it, so a limit inherited from an interface or superclass method, or from a superclass,
   * does not run by itself. In proxy mode: calls of a limited method from the bean's own code (self-invocation),
   * which never pass the proxy, found in the bytecode by {@link SelfInvocations}.
   *
   * @param targetClass a bean class
   * @return one line per method, naming it and saying how to fix it
   */
  public List<String> unenforced(Class<?> targetClass) {
    Class<?> user = ClassUtils.getUserClass(targetClass);
    if (isServlet(user)) {
      return declaresRateLimit(user) ? List.of("@RateLimit on servlet " + user.getName() + " is enforced by "
          + "limiter-servlet's RateLimitFilter (mapped to the servlet), never by the aspect or a proxy") : List.of();
    }
    if (!mayHaveOperations(user)) {
      return List.of();
    }
    if (proxyMode) {
      return SelfInvocations.find(user, this::policiesOf);
    }
    List<String> lines = new ArrayList<>();
    for (Method m : ReflectionUtils.getAllDeclaredMethods(user)) {
      if (m.getDeclaringClass() == Object.class || m.isBridge() || m.isSynthetic()
          || !AopUtils.getMostSpecificMethod(m, user).equals(m)) {
        continue;
      }
      RateLimitOperations ops = getOperations(m, user);
      if (ops == null || woven(m) || (classLevelCovers(m, user) && woven(m.getDeclaringClass()))) {
        continue;
      }
      lines.add("@RateLimit applies to " + RateLimitAnnotationParser.describe(m) + " (declared on "
          + declaredOn(m, user) + "), but the woven RateLimitAspect only matches annotations written on the executing "
          + "method or its class, at most " + WOVEN_META_DEPTH + " composed annotations deep: calls of it run "
          + "unlimited (or charge only if it calls super). Repeat the annotation on " + RateLimitAnnotationParser
          .describe(m) + " or on class " + ClassUtils.getShortName(m.getDeclaringClass()) + ", or use proxy mode");
    }
    return lines;
  }

  /** The policies a call of the method takes on the class, empty if none (or invalid: reported elsewhere). */
  private Set<String> policiesOf(Method method, Class<?> targetClass) {
    RateLimitOperations ops = getOperations(method, targetClass);
    if (ops == null) {
      return Set.of();
    }
    Set<String> names = new LinkedHashSet<>();
    ops.operations().forEach(op -> names.add(op.policyName()));
    return names;
  }

  /** Whether the woven pointcut matches an element: {@code @RateLimit} present at most WOVEN_META_DEPTH deep. */
  private static boolean woven(java.lang.reflect.AnnotatedElement element) {
    return MergedAnnotations.from(element, SearchStrategy.DIRECT).stream(RateLimit.class)
        .anyMatch(a -> a.getDistance() <= WOVEN_META_DEPTH)
        || MergedAnnotations.from(element, SearchStrategy.DIRECT).stream(io.limiter.annotation.RateLimits.class)
        .anyMatch(a -> a.getDistance() <= WOVEN_META_DEPTH);
  }

  private static String declaredOn(Method m, Class<?> user) {
    MergedAnnotation<RateLimit> onMethod = MergedAnnotations.from(m, SearchStrategy.TYPE_HIERARCHY)
        .get(RateLimit.class);
    Object source = onMethod.isPresent() ? onMethod.getSource()
        : MergedAnnotations.from(user, SearchStrategy.TYPE_HIERARCHY).get(RateLimit.class).getSource();
    return source instanceof Method sm ? RateLimitAnnotationParser.describe(sm)
        : source instanceof Class<?> sc ? "class " + ClassUtils.getShortName(sc) : String.valueOf(source);
  }

  /** The operations of a (method, class), or null if none apply. */
  private @Nullable RateLimitOperations compute(Method method, Class<?> targetClass) {
    if (method.getDeclaringClass() == Object.class || isServlet(targetClass)) {
      return null;
    }
    // The same rule for proxies and woven code: a call is governed by the target class's implementation (its own
    // annotations, else the nearest inherited ones). Woven, super.m() from an override runs as a nested call on the
    // same target that resolves to the same operations, which RateLimitAspectSupport does not charge again.
    Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
    List<MergedAnnotation<RateLimit>> onMethod = nearest(MergedAnnotations.from(specific,
        SearchStrategy.TYPE_HIERARCHY));
    int modifiers = specific.getModifiers();
    List<MergedAnnotation<RateLimit>> onClass = classLevelCovers(specific, targetClass)
        ? nearest(MergedAnnotations.from(targetClass, SearchStrategy.TYPE_HIERARCHY)) : List.of();
    if (onMethod.isEmpty() && onClass.isEmpty()) {
      return null;
    }
    List<String> problems = new ArrayList<>();
    // a suspend function returns Object to the JVM; under Spring AOP its call is a Mono, limited as one
    boolean suspending = SuspendingFunctions.isSuspending(specific);
    Class<?> resultType = specific.getReturnType();
    if (suspending) {
      String problem = SuspendingFunctions.problem(specific, proxyMode);
      if (problem != null) {
        problems.add(problem);
      } else {
        resultType = SuspendingFunctions.publisherType(specific);
      }
    }
    if (proxyMode) {
      String kind = Modifier.isPrivate(modifiers) ? "private" : Modifier.isStatic(modifiers) ? "static"
          : Modifier.isFinal(modifiers) ? "final" : null;
      if (kind != null) {
        String what = onMethod.isEmpty() ? "class-level @RateLimit of " + ClassUtils.getShortName(targetClass)
            + " covers" : "@RateLimit is on";
        problems.add(what + " " + kind + " method " + RateLimitAnnotationParser.describe(specific)
            + ", which a Spring AOP proxy cannot intercept; make it " + (kind.equals("private") ? "public" : "non-"
            + kind) + ", or weave the RateLimitAspect with AspectJ (@EnableRateLimiting(mode = AdviceMode.ASPECTJ))");
      }
    }
    // The class level is parsed first so that its inline policy exists when a method refers to it by name.
    List<RateLimitOperation> classOps = new ArrayList<>();
    parseAll(onClass, specific, targetClass, classOps, problems);
    List<RateLimitOperation> operations = new ArrayList<>();
    parseAll(onMethod, specific, targetClass, operations, problems);
    Set<String> methodPolicies = new LinkedHashSet<>();
    for (RateLimitOperation op : operations) {
      methodPolicies.add(op.policyName());
    }
    for (RateLimitOperation op : classOps) {
      if (!methodPolicies.contains(op.policyName())) {
        operations.add(op);
      }
    }
    Method fallback = fallback(specific, targetClass, problems);
    if (!problems.isEmpty()) {
      return new RateLimitOperations(specific, resultType, suspending, List.of(), null, problems);
    }
    return new RateLimitOperations(specific, resultType, suspending, operations, fallback, List.of());
  }

  private void parseAll(List<MergedAnnotation<RateLimit>> annotations, Method method, Class<?> targetClass,
      List<RateLimitOperation> into, List<String> problems) {
    int inlineIndex = 0;
    for (MergedAnnotation<RateLimit> annotation : annotations) {
      boolean inline = !annotation.getString("value").isBlank() && annotation.getString("name").isBlank();
      RateLimitOperation op = parser.parse(annotation, inline ? inlineIndex : 0, method, targetClass, problems);
      if (inline) {
        inlineIndex++;
      }
      if (op != null) {
        into.add(op);
      }
    }
  }

  /** The annotations of the nearest level of the hierarchy that has any (the element itself first). */
  private static List<MergedAnnotation<RateLimit>> nearest(MergedAnnotations annotations) {
    List<MergedAnnotation<RateLimit>> all = annotations.stream(RateLimit.class).collect(Collectors.toList());
    if (all.size() <= 1) {
      return all;
    }
    int min = all.stream().mapToInt(MergedAnnotation::getAggregateIndex).min().orElse(0);
    Object source = null;
    List<MergedAnnotation<RateLimit>> nearest = new ArrayList<>();
    for (MergedAnnotation<RateLimit> a : all) {
      if (a.getAggregateIndex() == min && (source == null || source.equals(a.getSource()))) {
        source = a.getSource();
        nearest.add(a);
      }
    }
    return Collections.unmodifiableList(nearest);
  }

  private static boolean isAnnotated(MergedAnnotations annotations) {
    return annotations.isPresent(RateLimit.class) || annotations.isPresent(io.limiter.annotation.RateLimits.class);
  }

  private static @Nullable Method fallback(Method method, Class<?> targetClass, List<String> problems) {
    MergedAnnotation<RateLimitFallback> annotation = MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY)
        .get(RateLimitFallback.class);
    if (!annotation.isPresent()) {
      annotation = MergedAnnotations.from(targetClass, SearchStrategy.TYPE_HIERARCHY).get(RateLimitFallback.class);
    }
    if (!annotation.isPresent()) {
      return null;
    }
    String name = annotation.getString("value");
    // the fallback of a suspend function is a suspend function: its Continuation follows the rejection
    boolean suspending = SuspendingFunctions.isSuspending(method);
    Class<?>[] params = suspending ? SuspendingFunctions.parameterTypes(method) : method.getParameterTypes();
    int arity = params.length + (suspending ? 2 : 1);
    for (Class<?> c = targetClass; c != null && c != Object.class; c = c.getSuperclass()) {
      for (Method candidate : c.getDeclaredMethods()) {
        Class<?>[] types = candidate.getParameterTypes();
        if (candidate.getName().equals(name) && types.length == arity
            && Arrays.equals(types, 0, params.length, params, 0, params.length)
            && types[params.length].isAssignableFrom(RateLimitExceededException.class)
            && suspending == SuspendingFunctions.isSuspending(candidate)) {
          Class<?> returns = suspending ? SuspendingFunctions.resultType(method) : method.getReturnType();
          Class<?> fallbackReturns = suspending ? SuspendingFunctions.resultType(candidate)
              : candidate.getReturnType();
          if (!ClassUtils.isAssignable(returns, fallbackReturns)) {
            problems.add("@RateLimitFallback(\"" + name + "\") of " + RateLimitAnnotationParser.describe(method)
                + ": " + RateLimitAnnotationParser.describe(candidate) + " returns " + fallbackReturns
                .getSimpleName() + ", which is not assignable to " + returns.getSimpleName());
            return null;
          }
          if (Modifier.isStatic(candidate.getModifiers()) != Modifier.isStatic(method.getModifiers())) {
            problems.add("@RateLimitFallback(\"" + name + "\") of " + RateLimitAnnotationParser.describe(method)
                + ": the fallback must be static exactly when the limited method is");
            return null;
          }
          ReflectionUtils.makeAccessible(candidate);
          return candidate;
        }
      }
    }
    problems.add("@RateLimitFallback(\"" + name + "\") of " + RateLimitAnnotationParser.describe(method)
        + ": no " + (suspending ? "suspend function " : "method ") + name + "(" + Arrays.stream(params)
            .map(Class::getSimpleName).map(s -> s + ", ").collect(Collectors.joining())
        + "RateLimitExceededException) in " + ClassUtils.getShortName(targetClass));
    return null;
  }

  /** @return every parsed (method, class) pair with operations, for reporting */
  public Map<MethodClassKey, RateLimitOperations> parsed() {
    Map<MethodClassKey, RateLimitOperations> result = new java.util.LinkedHashMap<>();
    cache.forEach((k, v) -> v.ifPresent(ops -> result.put(k, ops)));
    return result;
  }
}
