package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.NonBlocking;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A backend that sends rate limit fields of its own (IETF, Limiter's legacy and the gateway's {@code X-RateLimit-*},
 * {@code Retry-After}) behind a route limited by {@link LimiterRateLimiter}, over real HTTP: the client gets exactly
 * one value of each field the gateway's limiter wrote, the gateway's, and the backend's other fields unchanged.
 */
@ExtendWith(NonBlocking.class)
class GatewayBackendHeadersIT {

  static DisposableServer backend;
  static Gateway gateway;

  @BeforeAll
  static void start() {
    backend = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response
            .header("RateLimit-Policy", "\"backend\";q=1000;w=60")
            .header("RateLimit", "\"backend\";r=999;t=60")
            .header("ratelimit", "\"orders\";r=500;t=1") // a forged item in the gateway's name, odd case
            .header("X-RateLimit-Limit", "1000")
            .header("X-RateLimit-Remaining", "999")
            .header("X-RateLimit-Reset", "60")
            .header("X-RateLimit-Replenish-Rate", "1000")
            .header("X-RateLimit-Burst-Capacity", "1000")
            .header("X-RateLimit-Requested-Tokens", "7")
            .header("Retry-After", "120")
            .header("X-Backend", "yes")
            .sendString(Mono.just("hello"), StandardCharsets.UTF_8))
        .bindNow();
    String uri = "http://127.0.0.1:" + backend.port();
    Map<String, Object> p = new LinkedHashMap<>();
    p.putAll(Gateway.route(0, "orders", uri, Map.of("limits", "3/minute")));
    p.putAll(Gateway.route(1, "legacy", uri, Map.of("limits", "3/minute", "headers", "gateway")));
    p.putAll(Gateway.route(2, "both", uri, Map.of("limits", "3/minute", "headers", "both")));
    p.putAll(Gateway.route(3, "quiet", uri, Map.of("limits", "3/minute", "headers", "none")));
    gateway = Gateway.start(p);
  }

  @AfterAll
  static void stop() {
    Gateway.closeAll(gateway, backend::disposeNow);
  }

  @Test
  void theGatewaysIetfFieldsReplaceTheBackendsAndTheRestPassUnchanged() {
    HttpResponse<String> ok = gateway.get("/orders/1", "alice");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"orders\";q=3;w=60");
    assertThat(ok.headers().allValues("RateLimit")).singleElement().asString().startsWith("\"orders\";r=2;t=");
    // fields the gateway's limiter did not write are the backend's, once
    assertThat(ok.headers().allValues("X-RateLimit-Remaining")).containsExactly("999");
    assertThat(ok.headers().allValues("X-RateLimit-Requested-Tokens")).containsExactly("7");
    assertThat(ok.headers().allValues("Retry-After")).containsExactly("120");
    assertThat(ok.headers().allValues("X-Backend")).containsExactly("yes");
  }

  @Test
  void theGatewaysOwnFieldsReplaceTheBackendsInGatewayMode() {
    HttpResponse<String> ok = gateway.get("/legacy/1", "bob");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().allValues("X-RateLimit-Remaining")).containsExactly("2");
    assertThat(ok.headers().allValues("X-RateLimit-Replenish-Rate")).containsExactly("0");
    assertThat(ok.headers().allValues("X-RateLimit-Burst-Capacity")).containsExactly("3");
    assertThat(ok.headers().allValues("X-RateLimit-Requested-Tokens")).containsExactly("1");
    // the IETF fields are not the gateway limiter's in this mode: the backend's pass unchanged
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"backend\";q=1000;w=60");
  }

  @Test
  void bothModesReplaceEveryFieldTheyWrite() {
    HttpResponse<String> ok = gateway.get("/both/1", "carol");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"both\";q=3;w=60");
    assertThat(ok.headers().allValues("RateLimit")).singleElement().asString().startsWith("\"both\";r=2;t=");
    assertThat(ok.headers().allValues("X-RateLimit-Limit")).containsExactly("3");
    assertThat(ok.headers().allValues("X-RateLimit-Remaining")).containsExactly("2");
    assertThat(ok.headers().allValues("X-RateLimit-Reset")).hasSize(1);
    assertThat(Long.parseLong(ok.headers().firstValue("X-RateLimit-Reset").orElseThrow())).isBetween(1L, 20L);
  }

  @Test
  void withoutFieldsTheBackendsPassUnchanged() {
    HttpResponse<String> ok = gateway.get("/quiet/1", "dave");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().allValues("RateLimit-Policy")).containsExactly("\"backend\";q=1000;w=60");
    assertThat(ok.headers().allValues("X-RateLimit-Remaining")).containsExactly("999");
  }

  @Test
  void aRefusalNeverReachesTheBackendAndCarriesOnlyTheGatewaysFields() {
    for (int i = 0; i < 3; i++) {
      assertThat(gateway.get("/orders/1", "erin").statusCode()).isEqualTo(200);
    }
    HttpResponse<String> refused = gateway.get("/orders/1", "erin");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().allValues("RateLimit")).hasSize(1);
    assertThat(refused.headers().allValues("Retry-After")).hasSize(1);
    assertThat(refused.headers().allValues("X-Backend")).isEmpty();
  }
}
