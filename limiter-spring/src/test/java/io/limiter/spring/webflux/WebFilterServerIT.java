package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.NonBlocking;
import io.limiter.test.SfParser;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.annotation.web.reactive.EnableWebFluxSecurity;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.core.userdetails.MapReactiveUserDetailsService;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.web.server.SecurityWebFilterChain;

/**
 * The WebFlux filter over real HTTP on Netty, configured by {@code limiter.filter.*} as a user would, under the
 * non-blocking harness (any blocking call on an event-loop thread fails the test): exact admission under concurrent
 * requests, the IETF fields read by an independent structured-field parser, the 429 with {@code Retry-After} and its
 * problem body, and each key kind — {@code ip} behind a trusted proxy with a forged {@code X-Forwarded-For},
 * {@code header:X} and its missing-key 401, {@code principal} from Spring Security's reactive context — shadow mode and
 * an unreadable path.
 */
@ExtendWith(NonBlocking.class)
class WebFilterServerIT {

  static WebFluxApp app;

  @BeforeAll
  static void start() {
    Map<String, Object> p = new LinkedHashMap<>();
    String r = "limiter.filter.rules[";
    p.put(r + "0].name", "api");
    p.put(r + "0].paths", "/api/**");
    p.put(r + "0].limits", "5/minute");
    p.put(r + "0].key", "header:X-Client");
    p.put(r + "1].name", "orders");
    p.put(r + "1].paths", "/files/orders");
    p.put(r + "1].limits", "2/hour");
    p.put(r + "1].key", "header:X-API-Key");
    p.put(r + "2].name", "byip");
    p.put(r + "2].paths", "/ip/**");
    p.put(r + "2].limits", "2/hour");
    p.put(r + "2].key", "ip");
    p.put(r + "3].name", "byuser");
    p.put(r + "3].paths", "/user/**");
    p.put(r + "3].limits", "2/hour");
    p.put(r + "3].key", "principal");
    p.put(r + "4].name", "shadowed");
    p.put(r + "4].paths", "/shadow/**");
    p.put(r + "4].limits", "1/hour");
    p.put(r + "4].shadow", "true");
    p.put(r + "4].key", "header:X-Client");
    // the loopback peer is the proxy: the client is the right-most untrusted X-Forwarded-For hop
    p.put("limiter.client-ip.trusted-proxies", "127.0.0.1");
    app = WebFluxApp.start(p, Security.class);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  /** Spring Security: {@code /user/**} needs HTTP Basic; the principal's name is the key of {@code byuser}. */
  @Configuration(proxyBeanMethods = false)
  @EnableWebFluxSecurity
  static class Security {
    @Bean
    SecurityWebFilterChain chain(ServerHttpSecurity http) {
      return http.csrf(ServerHttpSecurity.CsrfSpec::disable)
          .authorizeExchange(a -> a.pathMatchers("/user/**").authenticated().anyExchange().permitAll())
          .httpBasic(b -> { }).build();
    }

    @Bean
    MapReactiveUserDetailsService users() {
      return new MapReactiveUserDetailsService(
          User.withUsername("alice").password("{noop}a").roles("USER").build(),
          User.withUsername("bob").password("{noop}b").roles("USER").build());
    }
  }

  @Test
  void admitsExactlyTheLimitUnderConcurrentRequests() throws Exception {
    int threads = 8;
    int perThread = 5;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<int[]>> futures = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      futures.add(pool.submit(() -> {
        go.await();
        int[] counts = new int[2];
        for (int i = 0; i < perThread; i++) {
          int status = app.get("/api/hello", "X-Client", "hammer").statusCode();
          counts[status == 200 ? 0 : status == 429 ? 1 : (int) failWith(status)]++;
        }
        return counts;
      }));
    }
    go.countDown();
    int admitted = 0;
    int rejected = 0;
    for (Future<int[]> f : futures) {
      int[] counts = f.get(120, TimeUnit.SECONDS);
      admitted += counts[0];
      rejected += counts[1];
    }
    pool.shutdown();
    assertThat(admitted).isEqualTo(5);
    assertThat(rejected).isEqualTo(threads * perThread - 5);
    assertThat(app.handlers().reached).filteredOn(s -> s.startsWith("/api/hello")).hasSize(5);
  }

  private static long failWith(int status) {
    throw new AssertionError("unexpected status " + status);
  }

  @Test
  void answers429WithStructuredFieldsRetryAfterAndProblemBody() {
    HttpResponse<String> first = app.get("/files/orders", "X-API-Key", "fields");
    assertThat(first.statusCode()).isEqualTo(200);
    SfParser.Item policy = single(first, "RateLimit-Policy");
    assertThat(policy.value()).isEqualTo("orders");
    assertThat(policy.param("q")).isEqualTo(2);
    assertThat(policy.param("w")).isEqualTo(3600);
    SfParser.Item state = single(first, "RateLimit");
    assertThat(state.value()).isEqualTo("orders");
    assertThat(state.param("r")).isEqualTo(1);
    assertThat(state.param("t")).isBetween(1L, 1800L);
    assertThat(first.headers().firstValue("Retry-After")).isEmpty();

    assertThat(app.get("/files/orders", "X-API-Key", "fields").statusCode()).isEqualTo(200);
    HttpResponse<String> rejected = app.get("/files/orders", "X-API-Key", "fields");
    assertThat(rejected.statusCode()).isEqualTo(429);
    assertThat(rejected.headers().firstValue("Content-Type")).hasValueSatisfying(
        ct -> assertThat(ct).startsWith("application/problem+json"));
    assertThat(rejected.body())
        .contains("\"type\":\"https://iana.org/assignments/http-problem-types#quota-exceeded\"")
        .contains("\"title\":\"Too Many Requests\"").contains("\"status\":429")
        .contains("\"violated-policies\":[\"orders\"]");
    SfParser.Item rejectedState = single(rejected, "RateLimit");
    assertThat(rejectedState.param("r")).isZero();
    long t = rejectedState.param("t");
    long retryAfter = Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retryAfter).isGreaterThanOrEqualTo(1).isGreaterThanOrEqualTo(t).isLessThanOrEqualTo(1800);
    assertThat(t).isGreaterThan(1790);
    assertThat(single(rejected, "RateLimit-Policy").param("q")).isEqualTo(2);
  }

  private static SfParser.Item single(HttpResponse<String> response, String field) {
    List<String> values = response.headers().allValues(field);
    assertThat(values).as(field).hasSize(1);
    List<SfParser.Item> items = SfParser.parseList(values.get(0));
    assertThat(items).as(field).hasSize(1);
    return items.get(0);
  }

  @Test
  void aMissingApiKeyIsChallengedWith401() {
    HttpResponse<String> r = app.get("/files/orders");
    assertThat(r.statusCode()).isEqualTo(401);
    assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        v -> assertThat(v).containsIgnoringCase("X-API-Key"));
    assertThat(r.body()).contains("\"status\":401").contains("policy orders");
  }

  @Test
  void anIpKeyBehindATrustedProxyIgnoresForgedHops() {
    // the client 203.0.113.9 forges hops to the left of what the proxy appended: they are never its key
    assertThat(app.admitted("/ip/x", 2, "X-Forwarded-For", "198.51.100.1, 203.0.113.9")).isEqualTo(2);
    assertThat(app.get("/ip/x", "X-Forwarded-For", "198.51.100.2, 203.0.113.9").statusCode()).isEqualTo(429);
    assertThat(app.get("/ip/x", "X-Forwarded-For", "203.0.113.9").statusCode()).isEqualTo(429);
    // another client behind the same proxy has its own bucket
    assertThat(app.get("/ip/x", "X-Forwarded-For", "203.0.113.10").statusCode()).isEqualTo(200);
    // a forged hop that names the proxy itself is skipped like the proxy: the client is the next one to the left
    assertThat(app.get("/ip/x", "X-Forwarded-For", "203.0.113.9, 127.0.0.1").statusCode()).isEqualTo(429);
  }

  @Test
  void aPrincipalKeyComesFromTheReactiveSecurityContext() {
    String alice = "Basic " + java.util.Base64.getEncoder().encodeToString("alice:a".getBytes());
    String bob = "Basic " + java.util.Base64.getEncoder().encodeToString("bob:b".getBytes());
    assertThat(app.admitted("/user/x", 3, "Authorization", alice)).isEqualTo(2);
    assertThat(app.admitted("/user/x", 3, "Authorization", bob)).as("bob's own bucket").isEqualTo(2);
    // unauthenticated: Spring Security answers first (the filter runs after it), nobody's quota is spent
    assertThat(app.get("/user/x").statusCode()).isEqualTo(401);
  }

  @Test
  void aShadowPolicyLetsOverLimitRequestsThroughWithoutFields() {
    assertThat(app.admitted("/shadow/x", 3, "X-Client", "shadow")).isEqualTo(3);
    HttpResponse<String> over = app.get("/shadow/x", "X-Client", "shadow");
    assertThat(over.headers().firstValue("RateLimit")).isEmpty();
    assertThat(over.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void anUnreadablePathIsRefusedWith400() {
    var r = app.raw("/api/%C0%AE%C0%AE/hello", "X-Client", "unreadable");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.body()).contains("cannot be read with confidence");
  }

  @Test
  void requestsOfNoRulePassWithoutFields() throws Exception {
    CompletableFuture<HttpResponse<String>> r = CompletableFuture.supplyAsync(() -> app.get("/other"));
    HttpResponse<String> response = r.get(60, TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("RateLimit-Policy")).isEmpty();
  }
}
