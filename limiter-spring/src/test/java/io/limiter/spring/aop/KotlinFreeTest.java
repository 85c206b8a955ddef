package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.RateLimitFallback;
import io.limiter.spring.internal.SuspendingFunctions;
import io.limiter.test.ManualTicker;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.util.ClassUtils;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/**
 * limiter-spring needs no Kotlin: its tests run without it (the build keeps the optional coroutines dependency off
 * their class path), and the code that recognises Kotlin suspend functions loads and answers there. The suspend
 * functions themselves are tested in Kotlin, in limiter-spring-kotlin-test.
 */
class KotlinFreeTest {

  /** A Java bean with a Mono method and its fallback. */
  public static class Quotes {
    @RateLimit(value = "1/minute", name = "kotlin-free", key = "#symbol")
    @RateLimitFallback("cached")
    public Mono<String> quote(String symbol) {
      return Mono.just("fresh");
    }

    public Mono<String> cached(String symbol, RateLimitExceededException e) {
      return Mono.just("cached");
    }
  }

  @Test
  void kotlinIsNotOnTheClassPath() {
    assertThat(ClassUtils.isPresent("kotlin.Metadata", null)).isFalse();
    assertThat(ClassUtils.isPresent("kotlin.coroutines.Continuation", null)).isFalse();
  }

  @Test
  void javaMethodsAreNoSuspendFunctionsAndAreLimitedWithoutKotlin() throws Exception {
    assertThat(SuspendingFunctions.isSuspending(Quotes.class.getMethod("quote", String.class))).isFalse();
    ProxyFactory factory = new ProxyFactory(new Quotes());
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(RateLimitAspectSupport.builder().registry(RateLimiterRegistry.builder()
        .store(RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory()).build()).build()));
    Quotes quotes = (Quotes) factory.getProxy();
    StepVerifier.create(quotes.quote("ACME")).expectNext("fresh").verifyComplete();
    StepVerifier.create(quotes.quote("ACME")).expectNext("cached").verifyComplete();
  }
}
