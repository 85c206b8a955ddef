package io.limiter.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Names the method to call instead of throwing when a {@link io.limiter.annotation.RateLimit @RateLimit} rejects a
 * call: useful outside Spring MVC, e.g. a service that answers from a cache when an outbound API's quota is used up.
 *
 * <pre>{@code
 * @RateLimit("10/second")
 * @RateLimitFallback("cachedQuote")
 * public Quote quote(String symbol) { return api.fetch(symbol); }
 *
 * Quote cachedQuote(String symbol, RateLimitExceededException e) { return cache.get(symbol); }
 * }</pre>
 *
 * The fallback is a method of the same class with the parameters of the limited method followed by one parameter to
 * which a {@link io.limiter.core.RateLimitExceededException} can be assigned, and a return type assignable to the
 * limited method's; it may have any visibility and is called on the target bean (not through the proxy). It is not
 * called when a call has no key ({@link RateLimitKeyMissingException}). A missing or mismatching fallback fails at
 * startup, naming both methods. May be put on a class to apply to all its rate limited methods.
 *
 * <p>The fallback of a Kotlin {@code suspend} function is a {@code suspend} function with the limited function's
 * parameters followed by the exception and a return type assignable to the limited function's; it runs in the
 * coroutine context of the rejected call:
 * <pre>{@code
 * @RateLimit(value = "1/minute", key = "#symbol")
 * @RateLimitFallback("cachedQuote")
 * open suspend fun quote(symbol: String): String = api.fetch(symbol)
 *
 * suspend fun cachedQuote(symbol: String, e: RateLimitExceededException): String = cache.get(symbol)
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface RateLimitFallback {

  /** @return the name of the fallback method */
  String value();
}
