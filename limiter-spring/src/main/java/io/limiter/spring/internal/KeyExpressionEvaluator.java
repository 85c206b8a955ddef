package io.limiter.spring.internal;

import io.limiter.spring.RateLimitInvocation;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.springframework.context.expression.AnnotatedElementKey;
import org.springframework.context.expression.CachedExpressionEvaluator;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.expression.BeanResolver;
import org.springframework.expression.EvaluationContext;
import org.springframework.expression.Expression;
import org.springframework.expression.ParserContext;
import org.springframework.expression.common.CompositeStringExpression;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * Parses SpEL keys once (cached per annotated element and expression text) and evaluates them per call.
 *
 * <p>Annotation keys run in a {@link MethodBasedEvaluationContext}: the arguments as {@code #name}, {@code #p0},
 * {@code #a0}; {@code #request} when a web request is being served; {@code @bean} references; the
 * {@link RateLimitInvocation} as root object. Keys from properties run in a {@link SimpleEvaluationContext}
 * (read-only data binding: no type references, no constructors, no bean references) with the same variables.
 */
public final class KeyExpressionEvaluator extends CachedExpressionEvaluator {

  private final Map<ExpressionKey, Expression> cache = new ConcurrentHashMap<>(64);

  /**
   * @param text the key text: {@code #...}, {@code @...} or a {@code #{...}} template
   * @return whether the Spring integration reads it as SpEL
   */
  public static boolean isExpression(String text) {
    return text.startsWith("#") || text.startsWith("@");
  }

  /**
   * Parses (or finds in the cache) an expression.
   *
   * @param text the expression
   * @param element the annotated element and target class it belongs to
   * @return the expression
   * @throws org.springframework.expression.ParseException on a syntax error
   */
  public Expression parse(String text, AnnotatedElementKey element) {
    return getExpression(cache, element, text);
  }

  @Override
  protected Expression parseExpression(String expression) {
    if (expression.startsWith("#{")) {
      return getParser().parseExpression(expression, ParserContext.TEMPLATE_EXPRESSION);
    }
    return getParser().parseExpression(expression);
  }

  /**
   * Checks that every {@code #variable} of an expression exists for the method: a parameter name, {@code p<n>} or
   * {@code a<n>} within range, {@code request}, {@code root} or {@code this}.
   *
   * @param expression a parsed expression
   * @param method the method whose calls it is evaluated for
   * @return the problems, empty if none
   */
  public List<String> checkVariables(Expression expression, Method method) {
    List<String> names = new ArrayList<>();
    collectVariables(expression, names);
    String[] params = getParameterNameDiscoverer().getParameterNames(method);
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      if (name.equals("request") || name.equals("root") || name.equals("this")) {
        continue;
      }
      if (name.matches("[pa]\\d+") && Integer.parseInt(name.substring(1)) < method.getParameterCount()) {
        continue;
      }
      if (params != null && List.of(params).contains(name)) {
        continue;
      }
      problems.add("#" + name + " is not a parameter; "
          + (params == null ? "parameter names are not available (compile with -parameters) so use #p0, #p1, ..."
              : "the parameters are " + List.of(params) + " (or #p0, #p1, ...), plus #request"));
    }
    return problems;
  }

  private static void collectVariables(Expression expression, List<String> names) {
    if (expression instanceof SpelExpression spel) {
      collectVariables(spel.getAST(), names);
    } else if (expression instanceof CompositeStringExpression composite) {
      for (Expression part : composite.getExpressions()) {
        collectVariables(part, names);
      }
    }
  }

  private static void collectVariables(SpelNode node, List<String> names) {
    if (node instanceof VariableReference) {
      names.add(node.toStringAST().substring(1));
    }
    for (int i = 0; i < node.getChildCount(); i++) {
      collectVariables(node.getChild(i), names);
    }
  }

  /**
   * @param invocation the call
   * @param request the current request, or null
   * @param beans resolves {@code @bean} references, or null
   * @return the full context of annotation keys
   */
  public EvaluationContext standardContext(RateLimitInvocation invocation, @Nullable Object request,
      @Nullable BeanResolver beans) {
    MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(invocation, invocation.getMethod(),
        invocation.getArgs(), getParameterNameDiscoverer());
    if (beans != null) {
      context.setBeanResolver(beans);
    }
    if (request != null) {
      context.setVariable("request", request);
    }
    return context;
  }

  /**
   * @param invocation the call
   * @param request the current request, or null
   * @return the restricted context of keys from properties
   */
  public EvaluationContext restrictedContext(RateLimitInvocation invocation, @Nullable Object request) {
    SimpleEvaluationContext context = SimpleEvaluationContext.forReadOnlyDataBinding().withInstanceMethods()
        .withRootObject(invocation).build();
    Object[] args = invocation.getArgs();
    String[] names = getParameterNameDiscoverer().getParameterNames(invocation.getMethod());
    for (int i = 0; i < args.length; i++) {
      context.setVariable("p" + i, args[i]);
      context.setVariable("a" + i, args[i]);
      if (names != null) {
        context.setVariable(names[i], args[i]);
      }
    }
    if (request != null) {
      context.setVariable("request", request);
    }
    return context;
  }
}
