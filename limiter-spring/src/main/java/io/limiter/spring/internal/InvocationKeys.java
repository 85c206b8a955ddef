package io.limiter.spring.internal;

import io.limiter.core.KeyKind;
import io.limiter.core.KeyResolver;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.spi.RequestKeySource;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;

/**
 * Turns the key text of a {@code @RateLimit} (or of a configured policy) into a {@link KeyResolver} over calls:
 * a SpEL expression (parsed here, once), a built-in reference ({@code global}; with a web layer {@code ip},
 * {@code header:<name>}, {@code principal}, {@code attribute:<name>}), or the name of a registered resolver. Thread-safe
 * after construction.
 */
public final class InvocationKeys {

  private final Map<String, KeyResolver<RateLimitInvocation>> custom;
  private final @Nullable RequestKeySource requests;
  private final KeyExpressionEvaluator evaluator = new KeyExpressionEvaluator();
  private final @Nullable BeanResolver beans;

  /**
   * @param custom named resolvers from configurers
   * @param requests request-based keys, or null without a web layer
   * @param beans resolves {@code @bean} in SpEL keys, or null
   */
  public InvocationKeys(Map<String, KeyResolver<RateLimitInvocation>> custom, @Nullable RequestKeySource requests,
      @Nullable BeanResolver beans) {
    this.custom = Map.copyOf(custom);
    this.requests = requests;
    this.beans = beans;
  }

  /**
   * Compiles a rate limit key: its answers are spelled with their {@link KeyKind} ({@code s:<value>} for SpEL,
   * {@code r:<name>:<value>} for a registered resolver, {@code ip:}, {@code h:<name>:}... for request references,
   * {@code global}), so a value of one kind never equals a key of another.
   *
   * @param text the key text, not blank
   * @param method the method whose calls it keys (SpEL variables are checked against its parameters)
   * @param declaredOn the annotated element that declared the key, for the expression cache
   * @param targetClass the target class
   * @param restricted whether the text comes from properties, so SpEL runs in a restricted context
   * @return the resolver
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public KeyResolver<RateLimitInvocation> compile(String text, Method method, Object declaredOn,
      Class<?> targetClass, boolean restricted) {
    return compile(text, method, declaredOn, targetClass, restricted, true);
  }

  /**
   * Compiles the same notation as {@link #compile} into a resolver of plain values, without kinds: what a tier key
   * needs, whose answer is a tier name.
   *
   * @param text the key text, not blank
   * @param method the method whose calls it keys (SpEL variables are checked against its parameters)
   * @param declaredOn the annotated element that declared the key, for the expression cache
   * @param targetClass the target class
   * @param restricted whether the text comes from properties, so SpEL runs in a restricted context
   * @return the resolver
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public KeyResolver<RateLimitInvocation> compileValue(String text, Method method, Object declaredOn,
      Class<?> targetClass, boolean restricted) {
    return compile(text, method, declaredOn, targetClass, restricted, false);
  }

  /**
   * Compiles a key.
   *
   * @param text the key text, not blank
   * @param method the method whose calls it keys (SpEL variables are checked against its parameters)
   * @param declaredOn the annotated element that declared the key, for the expression cache
   * @param targetClass the target class
   * @param restricted whether the text comes from properties, so SpEL runs in a restricted context
   * @param kinds whether answers are spelled as keys of their kind, or left plain
   * @return the resolver
   * @throws IllegalArgumentException naming the text and what was expected
   */
  private KeyResolver<RateLimitInvocation> compile(String text, Method method, Object declaredOn,
      Class<?> targetClass, boolean restricted, boolean kinds) {
    String key = text.trim();
    if (KeyExpressionEvaluator.isExpression(key)) {
      Expression expression;
      try {
        expression = evaluator.parse(key, new AnnotatedElementKey(
            declaredOn instanceof Method m ? m : (Class<?>) declaredOn, targetClass));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("key \"" + key + "\" is not valid SpEL: " + e.getMessage(), e);
      }
      List<String> problems = evaluator.checkVariables(expression, method);
      if (!problems.isEmpty()) {
        throw new IllegalArgumentException("key \"" + key + "\": " + String.join("; ", problems));
      }
      if (restricted && key.startsWith("@")) {
        throw new IllegalArgumentException("key \"" + key + "\": bean references are not allowed in keys from "
            + "properties");
      }
      SpelKey spel = new SpelKey(expression, restricted);
      return kinds ? KeyKind.EXPRESSION.of(spel) : spel;
    }
    if (key.equals("global")) {
      return KeyResolver.constant(KeyKind.global());
    }
    KeyResolver<RateLimitInvocation> named = custom.get(key);
    if (named != null) {
      return kinds ? KeyKind.RESOLVER.of(key, named) : named;
    }
    if (requests != null) {
      KeyResolver<RateLimitInvocation> web = kinds ? requests.key(key) : requests.reference(key);
      if (web != null) {
        return web;
      }
    } else if (key.equals("ip") || key.equals("principal") || key.startsWith("header:")
        || key.startsWith("attribute:")) {
      throw new IllegalArgumentException("key \"" + key + "\" reads the HTTP request, but there is no web layer "
          + "(Spring MVC and the servlet API are not on the class path); use a SpEL key such as #userId");
    }
    TreeSet<String> known = new TreeSet<>(custom.keySet());
    known.add("global");
    if (requests != null) {
      known.addAll(List.of("ip", "principal", "header:<name>", "attribute:<name>"));
    }
    throw new IllegalArgumentException("key \"" + key + "\" is neither SpEL (starting with # or @) nor a known key "
        + "resolver; known resolvers: " + known);
  }

  /**
   * @param methodKey the key of all calls of the method outside a web request
   * @return the default key: the client IP in a web request, else {@code methodKey}
   */
  public KeyResolver<RateLimitInvocation> defaultKey(String methodKey) {
    return requests != null ? requests.clientIpOr(methodKey) : KeyResolver.constant(methodKey);
  }

  /** A SpEL key; the expression was parsed at startup. */
  /** A cost of a call: a whole number, or SpEL over its arguments (and, after the call, its result as #result). */
  @FunctionalInterface
  public interface Cost {
    /**
     * @param invocation the call
     * @param result its return value (null before the call)
     * @return the cost, at least 0
     * @throws IllegalStateException if the expression gives no whole number
     */
    long of(RateLimitInvocation invocation, @Nullable Object result);
  }

  /**
   * Compiles a cost ({@code @RateLimit(estimate = ...)} or {@code actualCost}).
   *
   * @param text a whole number or SpEL starting with {@code #}
   * @param method the method whose calls it costs
   * @param declaredOn the annotated element, for the expression cache
   * @param targetClass the target class
   * @param afterCall whether {@code #result} may be used
   * @return the cost
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public Cost compileCost(String text, Method method, Object declaredOn, Class<?> targetClass, boolean afterCall) {
    String t = text.trim();
    if (t.matches("[0-9]{1,18}")) {
      long n = Long.parseLong(t);
      return (invocation, result) -> n;
    }
    if (!t.startsWith("#")) {
      throw new IllegalArgumentException("\"" + t + "\" is neither a whole number nor SpEL starting with #");
    }
    Expression expression;
    try {
      expression = evaluator.parse(t, new AnnotatedElementKey(
          declaredOn instanceof Method m ? m : (Class<?>) declaredOn, targetClass));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("\"" + t + "\" is not valid SpEL: " + e.getMessage(), e);
    }
    List<String> problems = new java.util.ArrayList<>(evaluator.checkVariables(expression, method));
    if (afterCall) {
      problems.removeIf(p -> p.startsWith("#result "));
    }
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("\"" + t + "\": " + String.join("; ", problems));
    }
    return (invocation, result) -> {
      Object request = requests == null ? null : requests.currentRequest();
      EvaluationContext context = evaluator.standardContext(invocation, request, beans);
      if (afterCall) {
        context.setVariable("result", result);
      }
      Object value = expression.getValue(context);
      if (value instanceof Number number && number.doubleValue() >= 0 && number.doubleValue() <= Long.MAX_VALUE
          && number.doubleValue() == Math.floor(number.doubleValue())) {
        return number.longValue();
      }
      throw new IllegalStateException("cost \"" + t + "\" gave " + value + ", not a whole number >= 0");
    };
  }

  private final class SpelKey implements KeyResolver<RateLimitInvocation> {
    private final Expression expression;
    private final boolean restricted;

    SpelKey(Expression expression, boolean restricted) {
      this.expression = expression;
      this.restricted = restricted;
    }

    @Override
    public @Nullable String resolve(RateLimitInvocation invocation) {
      Object request = requests == null ? null : requests.currentRequest();
      EvaluationContext context = restricted ? evaluator.restrictedContext(invocation, request)
          : evaluator.standardContext(invocation, request, beans);
      Object value = expression.getValue(context);
      return value == null ? null : value.toString();
    }

    @Override
    public String toString() {
      return expression.getExpressionString();
    }
  }
}
