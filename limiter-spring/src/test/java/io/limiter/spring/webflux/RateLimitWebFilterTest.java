package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitStore;
import io.limiter.web.RateLimitRule;
import java.net.InetSocketAddress;
import java.security.Principal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * The filter's per-request path without a server: a verdict of a local store is acted on at subscription, on the
 * subscribing thread, and every kind of principal Mono (none, a value, one resolved later) keys the same way.
 */
class RateLimitWebFilterTest {

  private final AtomicInteger chained = new AtomicInteger();
  private final WebFilterChain chain = exchange -> Mono.fromRunnable(chained::incrementAndGet);

  private static RateLimitWebFilter filter(String key) {
    return RateLimitWebFilter.builder()
        .store(RateLimitStore.builder().buildInMemory())
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("2/minute").key(key).build())
        .build();
  }

  private static ServerWebExchange exchange(Mono<Principal> principal) {
    MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/api/x"));
    return new ServerWebExchangeDecorator(exchange) {
      @Override
      @SuppressWarnings("unchecked")
      public <T extends Principal> Mono<T> getPrincipal() {
        return (Mono<T>) principal;
      }
    };
  }

  private static MockServerWebExchange fromPeer() {
    return MockServerWebExchange.from(MockServerHttpRequest.get("/api/x")
        .remoteAddress(new InetSocketAddress("192.0.2.1", 4000)));
  }

  @SuppressWarnings("unchecked")
  private static List<Map.Entry<String, String>> charged(ServerWebExchange exchange) {
    return (List<Map.Entry<String, String>>) exchange.getAttributes().get(RateLimitWebFilter.CHARGED_ATTRIBUTE);
  }

  @Test
  void aLocalVerdictIsActedOnAtSubscriptionNotBefore() {
    RateLimitWebFilter filter = filter("ip");
    MockServerWebExchange exchange = fromPeer();
    Mono<Void> filtered = filter.filter(exchange, chain);
    assertThat(charged(exchange)).as("nothing is decided before subscription").isNull();

    // completes within subscribe: no hand-over between threads, no deferred stage
    CompletableFuture<Void> done = filtered.toFuture();
    assertThat(done).isCompleted();
    assertThat(chained).hasValue(1);
    assertThat(charged(exchange)).containsExactly(Map.entry("api", "ip:192.0.2.1"));
    assertThat(exchange.getResponse().getHeaders().getFirst("RateLimit")).isEqualTo("\"api\";r=1;t=30");
  }

  @Test
  void aLocalRejectionAnswers429AtOnce() {
    RateLimitWebFilter filter = filter("ip");
    for (int i = 0; i < 2; i++) {
      filter.filter(fromPeer(), chain).block(Duration.ZERO);
    }
    MockServerWebExchange rejected = fromPeer();
    assertThat(filter.filter(rejected, chain).toFuture()).isCompleted();
    assertThat(chained).hasValue(2);
    assertThat(rejected.getResponse().getStatusCode().value()).isEqualTo(429);
    assertThat(rejected.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("30");
  }

  @Test
  void everyKindOfPrincipalMonoKeysAlike() {
    Principal alice = () -> "alice";
    // none (WebFlux without security), a value, one resolved later (Spring Security's context), and an empty later
    List<Mono<Principal>> principals = List.of(Mono.just(alice), Mono.fromCallable(() -> alice),
        Mono.just(alice).delayElement(Duration.ofMillis(1)));
    for (Mono<Principal> principal : principals) {
      ServerWebExchange exchange = exchange(principal);
      filter("principal").filter(exchange, chain).block(Duration.ofSeconds(30));
      assertThat(charged(exchange)).as("%s", principal).containsExactly(Map.entry("api", "p:alice"));
    }
    for (Mono<Principal> none : List.<Mono<Principal>>of(Mono.empty(), Mono.fromCallable(() -> null))) {
      ServerWebExchange exchange = exchange(none);
      filter("principal").filter(exchange, chain).block(Duration.ofSeconds(30));
      assertThat(exchange.getResponse().getStatusCode().value()).as("%s", none).isEqualTo(401);
    }
  }

  @Test
  void aPrincipalThatFailsFailsTheExchange() {
    RateLimitWebFilter filter = filter("principal");
    Principal nameless = () -> null;
    // an error, known at once or later, and a principal without a name, known at once or later: alike
    for (Mono<Principal> failing : List.<Mono<Principal>>of(Mono.error(new IllegalStateException("no context")),
        Mono.fromCallable(() -> {
          throw new IllegalStateException("no context");
        }), Mono.just(nameless), Mono.fromCallable(() -> nameless))) {
      ServerWebExchange exchange = exchange(failing);
      assertThat(filter.filter(exchange, chain).toFuture()).as("%s", failing).isCompletedExceptionally();
    }
    assertThat(chained).hasValue(0);
  }
}
