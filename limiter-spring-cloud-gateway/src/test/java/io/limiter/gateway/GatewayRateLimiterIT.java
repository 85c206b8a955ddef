package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.NonBlocking;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A gateway on Netty in front of a backend, its routes limited by Limiter through the RequestRateLimiter filter, over
 * real HTTP; every test also runs under the non-blocking harness.
 */
@ExtendWith(NonBlocking.class)
class GatewayRateLimiterIT {

  static Backend backend;
  static Gateway gateway;

  @BeforeAll
  static void start() {
    backend = Backend.start();
    Map<String, Object> p = new LinkedHashMap<>();
    p.putAll(Gateway.route(0, "orders", backend.uri(), Map.of("limits", "3/minute; 100/hour")));
    p.putAll(Gateway.route(1, "legacy", backend.uri(), Map.of("limits", "2/minute", "headers", "gateway")));
    p.putAll(Gateway.route(2, "search", backend.uri(), Map.of("policy", "search")));
    p.putAll(Gateway.route(3, "heavy", backend.uri(), Map.of("limits", "10/minute", "cost", "4")));
    p.putAll(Gateway.route(4, "shared-a", backend.uri(), Map.of("policy", "shared")));
    p.putAll(Gateway.route(5, "shared-b", backend.uri(), Map.of("policy", "shared")));
    // a configured policy with tiers (limiter-spring's properties), the tier from a header the gateway trusts
    p.put("limiter.policies.search.limits", "2/minute");
    p.put("limiter.policies.search.tiers", "free=2/minute; pro=5/minute; default=free");
    p.put("limiter.policies.search.tier-key", "trusted:header:X-Plan");
    p.put("limiter.policies.shared.limits", "3/minute");
    gateway = Gateway.start(p);
  }

  @AfterAll
  static void stop() {
    Gateway.closeAll(gateway, backend);
  }

  @Test
  void admitsExactlyTheLimitPerKeyThen429WithTheIetfFieldsAndRetryAfter() {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> ok = gateway.get("/orders/1", "alice");
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("hello");
      assertThat(ok.headers().firstValue("RateLimit-Policy")).hasValue(
          "\"orders/minute\";q=3;w=60, \"orders/hour\";q=100;w=3600");
    }
    HttpResponse<String> refused = gateway.get("/orders/1", "alice");
    assertThat(refused.statusCode()).isEqualTo(429);
    // the token bucket gives a permit back every 20 s; the real clock may have moved on since the first call
    long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isBetween(1L, 20L);
    assertThat(refused.headers().firstValue("RateLimit").orElseThrow())
        .startsWith("\"orders/minute\";r=0;t=" + retryAfter + ", \"orders/hour\";r=97;");
    assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
    // another key has its own bucket
    assertThat(gateway.get("/orders/1", "bob").statusCode()).isEqualTo(200);
  }

  @Test
  void theGatewaysOwnHeadersBySetting() {
    HttpResponse<String> ok = gateway.get("/legacy/x", "carol");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.headers().map()).containsEntry("X-RateLimit-Remaining", List.of("1"))
        .containsEntry("X-RateLimit-Replenish-Rate", List.of("0"))
        .containsEntry("X-RateLimit-Burst-Capacity", List.of("2"))
        .containsEntry("X-RateLimit-Requested-Tokens", List.of("1"))
        .doesNotContainKey("RateLimit-Policy");
    gateway.get("/legacy/x", "carol");
    HttpResponse<String> refused = gateway.get("/legacy/x", "carol");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 30L);
  }

  @Test
  void aConfiguredPolicysTiersFollowTheTierKey() {
    assertThat(gateway.admitted("/search/q", "dave-free", 8, "X-Plan", "free")).isEqualTo(2);
    assertThat(gateway.admitted("/search/q", "dave-pro", 8, "X-Plan", "pro")).isEqualTo(5);
    // a plan the tiers do not know gets the default tier
    assertThat(gateway.admitted("/search/q", "dave-x", 8, "X-Plan", "gold")).isEqualTo(2);
    HttpResponse<String> pro = gateway.get("/search/q", "erin", "X-Plan", "pro");
    assertThat(pro.headers().firstValue("RateLimit-Policy")).hasValue("\"search\";q=5;w=60");
  }

  @Test
  void aCostTakesThatManyPermits() {
    assertThat(gateway.get("/heavy/x", "frank").statusCode()).isEqualTo(200);
    assertThat(gateway.get("/heavy/x", "frank").statusCode()).isEqualTo(200);
    HttpResponse<String> refused = gateway.get("/heavy/x", "frank");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"heavy\";r=2;");
  }

  @Test
  void routesNamingOnePolicyShareItsBuckets() {
    assertThat(gateway.get("/shared-a/x", "gina").statusCode()).isEqualTo(200);
    assertThat(gateway.get("/shared-b/x", "gina").statusCode()).isEqualTo(200);
    assertThat(gateway.get("/shared-a/x", "gina").statusCode()).isEqualTo(200);
    assertThat(gateway.get("/shared-b/x", "gina").statusCode()).isEqualTo(429);
  }

  @Test
  void aRequestWithoutAKeyIsRefusedByTheGatewayAndTakesNothing() {
    assertThat(gateway.get("/orders/1", null).statusCode()).isEqualTo(403);
  }
}
