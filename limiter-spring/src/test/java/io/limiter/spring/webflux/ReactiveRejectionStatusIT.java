package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * A WebFlux handler under {@code @RateLimit} whose call is rejected is answered 429 with {@code Retry-After}, in a
 * reactive application that also has Spring MVC and the Servlet API on its class path (what
 * {@code spring.main.web-application-type=reactive} is for; docs/reactive.md calls it a reactive web application).
 * The local store decides: the status does not depend on the store.
 */
class ReactiveRejectionStatusIT {

  static WebFluxApp app;

  @BeforeAll
  static void start() {
    app = WebFluxApp.start(Map.of(), Once.Config.class);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void aRejectedLimitedHandlerIsAnswered429InAReactiveApplicationWithMvcOnTheClassPath() {
    assertThat(app.get("/once").statusCode()).isEqualTo(200);
    HttpResponse<String> rejected = app.get("/once");
    assertThat(rejected.statusCode()).as("the rejection's status; body: %s", rejected.body()).isEqualTo(429);
    assertThat(rejected.headers().firstValue("Retry-After")).isPresent();
  }

  /** A handler limited to one call an hour. */
  @RestController
  public static class Once {
    @GetMapping("/once")
    @RateLimit(name = "once", value = "1/hour", key = "global")
    public Mono<String> once() {
      return Mono.just("once");
    }

    /** Its bean. */
    @Configuration(proxyBeanMethods = false)
    static class Config {
      @Bean
      Once once() {
        return new Once();
      }
    }
  }
}
