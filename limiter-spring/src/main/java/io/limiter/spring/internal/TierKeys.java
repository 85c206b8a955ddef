package io.limiter.spring.internal;

import io.limiter.core.KeyResolver;
import io.limiter.core.step.TierResolver;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import io.limiter.web.StepSettings;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;
import org.springframework.util.ClassUtils;

/**
 * Compiles a tier key, where a call's tier (plan) comes from: the key forms that name something about the client
 * ({@code header:<name>}, {@code attribute:<name>}, {@code principal}, a SpEL expression, a registered key resolver),
 * plus {@code authority:<prefix>}, the first authority of Spring Security's current {@code Authentication} that starts
 * with the prefix ({@code PLAN_pro} → {@code pro}).
 */
public final class TierKeys {

  private static final String AUTHORITY = "authority:";
  private static final String TRUSTED = "trusted:";
  private static final String SAFE = "authority:<prefix> (the plan as a granted authority), attribute:<name> set by "
      + "your authentication filter, or a SpEL expression that looks the plan up (e.g. by API key)";
  private static final boolean SECURITY_PRESENT = ClassUtils.isPresent(
      "org.springframework.security.core.context.SecurityContextHolder", TierKeys.class.getClassLoader());

  private TierKeys() {
  }

  /**
   * A tier key for calls of a method.
   *
   * @param text the key as written
   * @param keys compiles SpEL and key references
   * @param method the method
   * @param declaredOn the element that declared the key
   * @param targetClass the target class
   * @param restricted whether the text comes from properties (SpEL in a restricted context)
   * @return the resolver; its answer is the tier name
   * @throws IllegalArgumentException naming the text and what was expected
   */
  public static KeyResolver<RateLimitInvocation> forCalls(String text, InvocationKeys keys, Method method,
      Object declaredOn, Class<?> targetClass, boolean restricted) {
    String key = text.trim();
    if (key.toLowerCase(Locale.ROOT).startsWith(AUTHORITY)) {
      TierResolver<Object> authorities = authority(key);
      return authorities::resolve;
    }
    boolean trusted = key.regionMatches(true, 0, TRUSTED, 0, TRUSTED.length());
    if (trusted) {
      key = key.substring(TRUSTED.length()).trim();
    }
    String word = key.toLowerCase(Locale.ROOT);
    if (word.equals("ip") || word.equals("global") || (!KeyExpressionEvaluator.isExpression(key)
        && key.contains(","))) {
      throw new IllegalArgumentException("tier key \"" + text + "\" does not name a tier; use attribute:<name>, "
          + "authority:<prefix>, a SpEL expression, trusted:header:<name> or trusted:principal");
    }
    KeyReference.Kind kind = KeyExpressionEvaluator.isExpression(key) ? null : referenceKind(key);
    if (!trusted && (kind == KeyReference.Kind.HEADER || kind == KeyReference.Kind.PRINCIPAL)) {
      throw new IllegalArgumentException(StepSettings.clientSettable(text, kind == KeyReference.Kind.HEADER, SAFE));
    }
    return keys.compileValue(key, method, declaredOn, targetClass, restricted);
  }

  /**
   * The kind of request reference the text is, judged as the web layer parses it ({@code header :X-Plan} and
   * {@code HEADER:X-Plan} read the header as {@code header:X-Plan} does), not by its spelling; null if it is none.
   */
  private static KeyReference.@Nullable Kind referenceKind(String key) {
    try {
      KeyReference parsed = KeyReference.parse(key);
      return parsed.parts().size() == 1 ? parsed.parts().get(0).kind() : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * A tier key for the URL-rule filter, which sees the request but no method arguments.
   *
   * @param text the key as written
   * @return the resolver
   * @throws IllegalArgumentException if the key is SpEL or otherwise not understood by the filter
   */
  public static TierResolver<HttpRequestView> forRequests(String text) {
    String key = text.trim();
    if (key.toLowerCase(Locale.ROOT).startsWith(AUTHORITY)) {
      TierResolver<Object> authorities = authority(key);
      return authorities::resolve;
    }
    if (KeyExpressionEvaluator.isExpression(key)) {
      throw new IllegalArgumentException("tier key \"" + text + "\" is SpEL, which URL rules cannot evaluate (they "
          + "run before any method); use attribute:<name> or authority:<prefix>");
    }
    KeyReference.Kind kind = referenceKind(key);
    if (kind == KeyReference.Kind.HEADER || kind == KeyReference.Kind.PRINCIPAL) {
      throw new IllegalArgumentException(StepSettings.clientSettable(text, kind == KeyReference.Kind.HEADER, SAFE));
    }
    try {
      return StepSettings.parseTierKey(key);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tier key \"" + text + "\" is not a tier key; use attribute:<name>, "
          + "authority:<prefix>, a SpEL expression, trusted:header:<name> or trusted:principal", e);
    }
  }

  private static TierResolver<Object> authority(String key) {
    String prefix = key.substring(AUTHORITY.length()).trim();
    if (prefix.isEmpty()) {
      throw new IllegalArgumentException("tier key \"" + key + "\" needs a prefix, e.g. authority:PLAN_");
    }
    if (!SECURITY_PRESENT) {
      throw new IllegalArgumentException("tier key \"" + key + "\" reads Spring Security's authorities, but "
          + "spring-security-core is not on the class path");
    }
    return TierResolver.fromPrefixed(context -> SecurityAuthorities.current(), prefix);
  }

  /** Kept apart so that Spring Security classes load only when an authority tier key is used. */
  private static final class SecurityAuthorities {
    static @Nullable List<String> current() {
      var authentication = org.springframework.security.core.context.SecurityContextHolder.getContext()
          .getAuthentication();
      if (authentication == null || !authentication.isAuthenticated()) {
        return null;
      }
      List<String> names = new ArrayList<>();
      for (var authority : authentication.getAuthorities()) {
        names.add(authority.getAuthority());
      }
      return names;
    }
  }
}
