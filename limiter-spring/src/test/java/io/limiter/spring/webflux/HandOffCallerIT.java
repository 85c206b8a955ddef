package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.redis.RedisServer;
import io.netty.util.concurrent.DefaultEventExecutor;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * A {@code @RateLimit} Mono method decided on Redis and waited for by a thread that is a Netty event executor but no
 * event loop of a server: Netty's {@link DefaultEventExecutor} (what a Netty pipeline runs blocking handlers on, the
 * documented way to keep them off the I/O threads). Such a thread may block; Reactor lets it ({@code block()} refuses
 * only threads marked non-blocking). The aspect must still answer: handing the decision back to "the caller's loop",
 * the very thread that is blocked waiting for it, never completes.
 */
class HandOffCallerIT {

  static RedisServer redis;
  static WebFluxApp app;

  @BeforeAll
  static void start() {
    redis = RedisServer.start();
    app = WebFluxApp.start(WebFilterRedisIT.redisStore(redis, "20s"), Limited.Config.class);
    WebFilterRedisIT.connected(app);
  }

  @AfterAll
  static void stop() {
    WebFluxApp.closeAll(app, redis);
  }

  /** Control: the same call waited for on a plain thread answers (Redis is up, the method is admitted). */
  @Test
  void aPlainThreadBlockingOnALimitedMonoGetsItsAnswer() {
    Limited limited = app.context().getBean(Limited.class);
    assertThat(limited.call().block(Duration.ofSeconds(20))).isEqualTo("ok");
  }

  @Test
  void aNettyExecutorThreadBlockingOnALimitedMonoGetsItsAnswer() throws Exception {
    Limited limited = app.context().getBean(Limited.class);
    // a plain Thread (not a FastThreadLocalThread): nothing marks it non-blocking, as in an application without
    // BlockHound; Netty still maps it to its executor (ThreadExecutorMap)
    DefaultEventExecutor executor = new DefaultEventExecutor((ThreadFactory) Thread::new);
    try {
      CompletableFuture<String> answer = new CompletableFuture<>();
      executor.execute(() -> {
        try {
          answer.complete(limited.call().block(Duration.ofSeconds(20)));
        } catch (Throwable e) {
          answer.completeExceptionally(e);
        }
      });
      assertThat(answer).succeedsWithin(Duration.ofSeconds(60)).isEqualTo("ok");
    } finally {
      executor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  /** A service limited on the application's store (Redis here). */
  public static class Limited {
    @RateLimit(name = "blocking-caller", value = "1000/minute", key = "global")
    public Mono<String> call() {
      return Mono.just("ok");
    }

    /** Its bean. */
    @Configuration(proxyBeanMethods = false)
    static class Config {
      @Bean
      Limited limited() {
        return new Limited();
      }
    }
  }
}
