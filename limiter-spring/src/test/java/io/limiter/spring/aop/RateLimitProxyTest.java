package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.RateLimitFallback;
import io.limiter.spring.RateLimitKeyMissingException;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.aop.aspectj.annotation.AspectJProxyFactory;
import org.springframework.aop.framework.ProxyFactory;

/**
 * The engine through real Spring AOP proxies, without an application context: a {@link ProxyFactory} with the
 * {@link RateLimitInterceptor}, and an {@link AspectJProxyFactory} with the {@link RateLimitAspect}. Time is a
 * {@link ManualTicker}.
 */
class RateLimitProxyTest {

  private final ManualTicker ticker = new ManualTicker();
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory())
      .policy(LimitPolicy.of("shared", "3/minute"))
      .build();
  private final RateLimitAspectSupport support = RateLimitAspectSupport.builder().registry(registry).build();

  /** A plain service: no web layer involved. */
  public static class QuoteService {
    final List<String> calls = new ArrayList<>();

    @RateLimit("2/minute")
    public String quote(String symbol) {
      calls.add(symbol);
      return "quote:" + symbol;
    }

    @RateLimit(value = "1/minute", key = "#apiKey")
    public String byKey(String apiKey) {
      return "ok:" + apiKey;
    }

    @RateLimit(value = "1/minute", key = "#p0.length() > 0 ? #p0 : null")
    public String maybeKey(String key) {
      return key;
    }

    @RateLimit(name = "shared")
    public String sharedA() {
      return "a";
    }

    @RateLimit(name = "shared", cost = 2)
    public String sharedB() {
      return "b";
    }

    @RateLimit("1/minute")
    @RateLimitFallback("cached")
    public String withFallback(String symbol) {
      return "live:" + symbol;
    }

    String cached(String symbol, RateLimitExceededException e) {
      return "cached:" + symbol + " retry " + e.decision().retryAfter().toSeconds() + "s";
    }

    public String unlimited() {
      return "free";
    }
  }

  static QuoteService interceptorProxy(RateLimitAspectSupport support) {
    ProxyFactory factory = new ProxyFactory(new QuoteService());
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(support));
    return (QuoteService) factory.getProxy();
  }

  static QuoteService aspectProxy(RateLimitAspectSupport support) {
    AspectJProxyFactory factory = new AspectJProxyFactory(new QuoteService());
    factory.setProxyTargetClass(true);
    factory.addAspect(new RateLimitAspect(support));
    return factory.getProxy();
  }

  private QuoteService proxy(String kind) {
    return kind.equals("interceptor") ? interceptorProxy(support) : aspectProxy(support);
  }

  @ParameterizedTest
  @ValueSource(strings = {"interceptor", "aspect"})
  void admitsUpToTheLimitThenThrowsWithTheDecision(String kind) {
    QuoteService service = proxy(kind);
    assertThat(service.quote("A")).isEqualTo("quote:A");
    assertThat(service.quote("B")).isEqualTo("quote:B");
    assertThatThrownBy(() -> service.quote("C"))
        .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
          Decision d = e.decision();
          assertThat(d.rejected()).isTrue();
          assertThat(d.policy().name()).isEqualTo("RateLimitProxyTest.QuoteService.quote");
          assertThat(d.retryAfter()).isEqualTo(Duration.ofSeconds(30));
        });
    ticker.advance(Duration.ofSeconds(30));
    assertThat(service.quote("D")).isEqualTo("quote:D");
    assertThat(service.unlimited()).isEqualTo("free");
  }

  @ParameterizedTest
  @ValueSource(strings = {"interceptor", "aspect"})
  void spelKeysIsolateClients(String kind) {
    QuoteService service = proxy(kind);
    assertThat(service.byKey("alice")).isEqualTo("ok:alice");
    assertThat(service.byKey("bob")).isEqualTo("ok:bob");
    assertThatThrownBy(() -> service.byKey("alice")).isInstanceOf(RateLimitExceededException.class);
    assertThatThrownBy(() -> service.byKey("bob")).isInstanceOf(RateLimitExceededException.class);
  }

  @Test
  void aNullKeyIsRejectedAsMissingWithoutCharging() {
    QuoteService service = interceptorProxy(support);
    assertThatThrownBy(() -> service.maybeKey(""))
        .isInstanceOfSatisfying(RateLimitKeyMissingException.class,
            e -> assertThat(e.getKey()).isEqualTo("#p0.length() > 0 ? #p0 : null"));
    assertThat(service.maybeKey("x")).isEqualTo("x");
  }

  @Test
  void aConfiguredPolicyIsSharedAndTheAnnotationCostApplies() {
    QuoteService service = interceptorProxy(support);
    assertThat(service.sharedB()).isEqualTo("b");
    assertThat(service.sharedA()).isEqualTo("a");
    assertThatThrownBy(service::sharedA).isInstanceOf(RateLimitExceededException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"interceptor", "aspect"})
  void theFallbackAnswersRejectedCalls(String kind) {
    QuoteService service = proxy(kind);
    assertThat(service.withFallback("X")).isEqualTo("live:X");
    assertThat(service.withFallback("X")).isEqualTo("cached:X retry 60s");
  }

  @Test
  void eachProxiedMethodIsParsedOnce() {
    QuoteService service = interceptorProxy(support);
    service.quote("A");
    int policies = registry.names().size();
    service.quote("B");
    assertThat(registry.names()).hasSize(policies);
    Function<String, String> f = service::quote;
    assertThat(f).isNotNull();
  }
}
