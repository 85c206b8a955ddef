package io.limiter.spring.reactive;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.http.HeaderMode;
import io.limiter.spring.RateLimitFallback;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.spring.aop.RateLimitInterceptor;
import io.limiter.spring.webflux.RateLimitWebFluxExceptionHandler;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.http.HttpStatus;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.test.StepVerifier;

/**
 * {@code @RateLimit} on methods returning Mono, Flux and CompletionStage, through a real Spring AOP proxy, on a
 * stopped clock: decided at subscription, the method runs only when admitted, a rejection is an error signal.
 */
class ReactiveRateLimitTest {

  final ManualTicker ticker = new ManualTicker();
  final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory())
      .policy(LimitPolicy.of("shared", "2/minute"))
      .build();
  final Service target = new Service();
  final Service service = proxy(target);

  /** Reactive methods of a plain bean, counting how often their bodies ran. */
  public static class Service {
    final AtomicInteger runs = new AtomicInteger();

    @RateLimit(value = "2/minute", name = "hello", key = "#user")
    public Mono<String> hello(String user) {
      runs.incrementAndGet();
      return Mono.just("hello " + user);
    }

    @RateLimit(value = "2/minute", name = "numbers", key = "#user")
    public Flux<Integer> numbers(String user) {
      runs.incrementAndGet();
      return Flux.just(1, 2, 3);
    }

    @RateLimit(value = "2/minute", name = "later", key = "#user")
    public CompletableFuture<String> later(String user) {
      runs.incrementAndGet();
      return CompletableFuture.completedFuture("later " + user);
    }

    // tag::reactive[]
    @RateLimit(value = "1/minute", name = "quote", key = "#user")
    @RateLimitFallback("cachedQuote")
    public Mono<String> quote(String user) {
      return Mono.just("fresh");
    }

    public Mono<String> cachedQuote(String user, RateLimitExceededException e) {
      return Mono.just("cached, retry in " + e.decision().retryAfter().toSeconds() + " s");
    }
    // end::reactive[]

    @RateLimit(name = "shared", key = "#user")
    @RateLimit(value = "10/minute", name = "second", key = "#user")
    public Mono<String> twoPolicies(String user) {
      return Mono.just("ok");
    }
  }

  @SuppressWarnings("unchecked")
  <T> T proxy(T target) {
    ProxyFactory factory = new ProxyFactory(target);
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(RateLimitAspectSupport.builder().registry(registry).build()));
    return (T) factory.getProxy();
  }

  @Test
  void aMonoIsLimitedWhenSubscribedNotWhenCalled() {
    Mono<String> first = service.hello("ann");
    Mono<String> second = service.hello("ann");
    Mono<String> third = service.hello("ann");
    assertThat(target.runs).hasValue(0);
    StepVerifier.create(third).expectNext("hello ann").verifyComplete();
    StepVerifier.create(first).expectNext("hello ann").verifyComplete();
    StepVerifier.create(second).expectErrorSatisfies(e -> assertThat(e)
        .isInstanceOf(RateLimitExceededException.class)
        .satisfies(r -> assertThat(((RateLimitExceededException) r).decision().retryAfter())
            .isEqualTo(Duration.ofSeconds(30)))).verify();
    assertThat(target.runs).as("a rejected call never runs the method").hasValue(2);
    StepVerifier.create(service.hello("bob")).expectNext("hello bob").verifyComplete();
  }

  @Test
  void eachSubscriptionIsACall() {
    Mono<String> hello = service.hello("cat");
    StepVerifier.create(hello).expectNextCount(1).verifyComplete();
    StepVerifier.create(hello).expectNextCount(1).verifyComplete();
    StepVerifier.create(hello).expectError(RateLimitExceededException.class).verify();
    ticker.advance(Duration.ofSeconds(30));
    StepVerifier.create(hello).expectNextCount(1).verifyComplete();
  }

  @Test
  void aFluxIsLimitedWhenSubscribed() {
    StepVerifier.create(service.numbers("dan")).expectNext(1, 2, 3).verifyComplete();
    StepVerifier.create(service.numbers("dan")).expectNext(1, 2, 3).verifyComplete();
    StepVerifier.create(service.numbers("dan")).expectError(RateLimitExceededException.class).verify();
  }

  @Test
  void aCompletionStageCompletesExceptionallyWhenRejected() {
    assertThat(service.later("eve").join()).isEqualTo("later eve");
    assertThat(service.later("eve").join()).isEqualTo("later eve");
    CompletableFuture<String> rejected = service.later("eve");
    assertThat(rejected).isCompletedExceptionally();
    assertThat(catchJoin(rejected)).isInstanceOf(RateLimitExceededException.class);
    assertThat(target.runs).hasValue(2);
  }

  @Test
  void theFallbacksResultReplacesTheRejection() {
    StepVerifier.create(service.quote("fay")).expectNext("fresh").verifyComplete();
    StepVerifier.create(service.quote("fay")).expectNext("cached, retry in 60 s").verifyComplete();
  }

  @Test
  void policiesAreDecidedInOrderAndTheFirstRejectionStops() {
    StepVerifier.create(service.twoPolicies("gus")).expectNext("ok").verifyComplete();
    StepVerifier.create(service.twoPolicies("gus")).expectNext("ok").verifyComplete();
    StepVerifier.create(service.twoPolicies("gus")).expectErrorSatisfies(e -> assertThat(
        ((RateLimitExceededException) e).decision().policy().name()).isEqualTo("shared")).verify();
    // the second policy was not asked for the rejected call
    assertThat(registry.limiter("second").acquire("s:gus", 8).allowed()).isTrue();
  }

  @Test
  void anInMemoryDecisionStaysOnTheSubscribingNonBlockingThread() {
    StepVerifier.create(service.hello("hal").subscribeOn(Schedulers.parallel())
            .map(s -> Schedulers.isInNonBlockingThread()))
        .expectNext(true).verifyComplete();
  }

  /** A WebFlux controller whose limited method is rejected answers 429 with the fields and a problem body. */
  @RestController
  public static class Api {
    @GetMapping("/hello")
    @RateLimit(value = "1/minute", name = "api", key = "#user")
    public Mono<String> hello(@RequestParam String user) {
      return Mono.just("hello");
    }
  }

  @Test
  void webFluxAnswers429WithTheFieldsAndAProblem() {
    WebTestClient client = WebTestClient.bindToController(proxy(new Api()))
        .controllerAdvice(new RateLimitWebFluxExceptionHandler(HeaderMode.IETF)).build();
    client.get().uri("/hello?user=ivy").exchange().expectStatus().isOk();
    client.get().uri("/hello?user=ivy").exchange()
        .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
        .expectHeader().valueEquals("Retry-After", "60")
        .expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=1;w=60")
        .expectHeader().valueEquals("RateLimit", "\"api\";r=0;t=60")
        .expectHeader().contentType("application/problem+json")
        .expectBody().jsonPath("$.status").isEqualTo(429).jsonPath("$['violated-policies'][0]").isEqualTo("api");
  }

  private static Throwable catchJoin(CompletableFuture<?> future) {
    try {
      future.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause();
    }
  }
}
