package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitExceededException;
import io.limiter.redis.RedisServer;
import io.limiter.test.NonBlocking;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code @RateLimit} Mono and Flux methods decided on Redis, called by handlers on one keep-alive connection: every
 * request is answered, admitted or rejected (the handler answers a rejection itself), a retried Flux decides again,
 * and the limited methods run on a server event loop, never on Lettuce's I/O thread.
 */
@ExtendWith(NonBlocking.class)
class HandOffKeepAliveIT {

  static RedisServer redis;
  static WebFluxApp app;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    app = WebFluxApp.start(WebFilterRedisIT.redisStore(redis, "20s"), Tight.Config.class);
    WebFilterRedisIT.connected(app);
  }

  @AfterAll
  static void stop() {
    WebFluxApp.closeAll(app, redis);
  }

  @Test
  void limitedMonoAndFluxCallsOnOneKeepAliveConnectionAllAnswer() {
    Limited.THREADS.clear();
    assertThat(app.get("/tight/mono").body()).isEqualTo("mono");
    assertThat(app.get("/tight/flux").body()).isEqualTo("ab");
    for (int i = 0; i < 150; i++) {
      assertThat(app.get("/tight/mono").body()).isEqualTo("limited");
      assertThat(app.get("/tight/flux").body()).isEqualTo("limited");
    }
    assertThat(Limited.THREADS).hasSize(2).allMatch(t -> t.startsWith("reactor-http-"), "a server event loop");
  }

  @Test
  void aRetriedFluxDecidesAgainOnTheLoop() {
    Limited.THREADS.clear();
    // 3 an hour: each subscription (first try and two retries) decides again
    int served = 0;
    for (int i = 0; i < 50; i++) {
      served += "r".equals(app.get("/tight/retried").body()) ? 1 : 0;
    }
    assertThat(served).isEqualTo(3);
    assertThat(Limited.THREADS).hasSize(3).allMatch(t -> t.startsWith("reactor-http-"), "a server event loop");
  }

  /** Handlers that call the limited methods and answer a rejection themselves. */
  @RestController
  public static class Tight {
    private final Limited limited;

    Tight(Limited limited) {
      this.limited = limited;
    }

    @GetMapping("/tight/mono")
    public Mono<String> mono() {
      return limited.mono().onErrorResume(RateLimitExceededException.class, e -> Mono.just("limited"));
    }

    @GetMapping("/tight/flux")
    public Mono<String> flux() {
      return limited.flux().collectList().map(l -> String.join("", l))
          .onErrorResume(RateLimitExceededException.class, e -> Mono.just("limited"));
    }

    @GetMapping("/tight/retried")
    public Mono<String> retried() {
      return limited.retried().retry(2).next()
          .onErrorResume(RateLimitExceededException.class, e -> Mono.just("limited"));
    }

    /** The beans. */
    @Configuration(proxyBeanMethods = false)
    static class Config {
      @Bean
      Limited limited() {
        return new Limited();
      }

      @Bean
      Tight tight(Limited limited) {
        return new Tight(limited);
      }
    }
  }

  /** Methods limited on the application's store (Redis here), tightly. */
  public static class Limited {
    static final Queue<String> THREADS = new ConcurrentLinkedQueue<>();

    @RateLimit(name = "tight-mono", value = "1/hour", key = "global")
    public Mono<String> mono() {
      return Mono.fromSupplier(() -> {
        THREADS.add(Thread.currentThread().getName());
        return "mono";
      });
    }

    @RateLimit(name = "tight-flux", value = "1/hour", key = "global")
    public Flux<String> flux() {
      return Flux.defer(() -> {
        THREADS.add(Thread.currentThread().getName());
        return Flux.just("a", "b");
      });
    }

    @RateLimit(name = "tight-retried", value = "3/hour", key = "global")
    public Flux<String> retried() {
      return Flux.defer(() -> {
        THREADS.add(Thread.currentThread().getName());
        return Flux.just("r");
      });
    }
  }
}
