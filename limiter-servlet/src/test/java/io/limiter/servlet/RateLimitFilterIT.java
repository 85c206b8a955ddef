package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.http.HeaderMode;
import io.limiter.test.SfParser;
import io.limiter.web.RateLimitRule;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The filter in a real Jetty over real HTTP: counts, status, headers, bodies, configuration errors. */
class RateLimitFilterIT {

  @Test
  void admitsExactlyTheCapacityPerKeyUnderConcurrency() throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "5/hour").param("rule.api.key", "header:X-API-Key")
        .servlet("api", api, "/api/*").start()) {
      List<String> keys = List.of("alpha", "beta", "gamma");
      Map<String, AtomicInteger> admitted = new ConcurrentHashMap<>();
      Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
      ExecutorService pool = Executors.newFixedThreadPool(12);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> futures = new ArrayList<>();
      for (String key : keys) {
        for (int i = 0; i < 25; i++) {
          futures.add(pool.submit(() -> {
            go.await();
            int status = app.get("/api/data", "X-API-Key", key).statusCode();
            statuses.computeIfAbsent(status, s -> new AtomicInteger()).incrementAndGet();
            if (status == 200) {
              admitted.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
            }
            return null;
          }));
        }
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(30, TimeUnit.SECONDS);
      }
      pool.shutdown();
      assertThat(keys).allSatisfy(k -> assertThat(admitted.get(k)).hasValue(5));
      assertThat(statuses.keySet()).containsExactlyInAnyOrder(200, 429);
      assertThat(statuses.get(429)).hasValue(60);
      assertThat(api.calls).hasValue(15);
    }
  }

  @Test
  void answers429WithStructuredFieldsRetryAfterAndProblemBody() throws Exception {
    try (JettyApp app = JettyApp.builder()
        .param("rule.orders.paths", "/orders").param("rule.orders.limits", "2/hour")
        .servlet("orders", new TestServlets.Counting(), "/orders").start()) {
      HttpResponse<String> first = app.get("/orders");
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

      assertThat(app.get("/orders").statusCode()).isEqualTo(200);
      HttpResponse<String> rejected = app.get("/orders");
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
  }

  @Test
  void multiLimitPoliciesAndSeveralRulesEachGetTheirItems() throws Exception {
    try (JettyApp app = JettyApp.builder()
        .param("rule.burst.paths", "/api/*").param("rule.burst.limits", "3/minute; 100/day")
        .param("rule.all.paths", "/**").param("rule.all.limits", "1000/hour").param("rule.all.key", "global")
        .servlet("api", new TestServlets.Counting(), "/api/*").start()) {
      HttpResponse<String> r = app.get("/api/x");
      List<SfParser.Item> policies = SfParser.parseList(r.headers().firstValue("RateLimit-Policy").orElseThrow());
      // rules are evaluated in name order: "all" before "burst"
      assertThat(policies).extracting(SfParser.Item::value).containsExactly("all", "burst/minute", "burst/day");
      assertThat(policies).extracting(i -> i.param("w")).containsExactly(3600L, 60L, 86400L);
      List<SfParser.Item> states = SfParser.parseList(r.headers().firstValue("RateLimit").orElseThrow());
      assertThat(states).extracting(i -> i.param("r")).containsExactly(999L, 2L, 99L);
      app.get("/api/x");
      app.get("/api/x");
      HttpResponse<String> rejected = app.get("/api/x");
      assertThat(rejected.statusCode()).isEqualTo(429);
      assertThat(rejected.body()).contains("\"violated-policies\":[\"burst\"]");
      SfParser.Item minute = SfParser.parseList(rejected.headers().firstValue("RateLimit").orElseThrow()).get(1);
      assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow()))
          .isGreaterThanOrEqualTo(minute.param("t")).isPositive();
    }
  }

  @Test
  void headerModesLegacyBothAndNone() throws Exception {
    for (HeaderMode mode : HeaderMode.values()) {
      try (JettyApp app = JettyApp.builder().param("header-mode", mode.name().toLowerCase())
          .param("rule.a.paths", "/a").param("rule.a.limits", "1/minute")
          .servlet("a", new TestServlets.Counting(), "/a").start()) {
        HttpResponse<String> ok = app.get("/a");
        HttpResponse<String> rejected = app.get("/a");
        assertThat(rejected.statusCode()).isEqualTo(429);
        boolean ietf = mode == HeaderMode.IETF || mode == HeaderMode.BOTH;
        boolean legacy = mode == HeaderMode.LEGACY || mode == HeaderMode.BOTH;
        assertThat(ok.headers().firstValue("RateLimit").isPresent()).as(mode + " ietf").isEqualTo(ietf);
        assertThat(ok.headers().firstValue("X-RateLimit-Limit").isPresent()).as(mode + " legacy").isEqualTo(legacy);
        if (legacy) {
          assertThat(ok.headers().firstValue("X-RateLimit-Limit")).hasValue("1");
          assertThat(rejected.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
          assertThat(Long.parseLong(rejected.headers().firstValue("X-RateLimit-Reset").orElseThrow())).isPositive();
        }
        assertThat(rejected.headers().firstValue("Retry-After")).as(mode + " Retry-After").isPresent();
      }
    }
  }

  @Test
  void statusAndRejectionHandlerAreConfigurable() throws Exception {
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("a").paths("/a").limits("1/minute").build())
        .status(503)
        .rejectionHandler((req, resp, rejection) -> {
          resp.setStatus(rejection.status());
          resp.setContentType("text/plain");
          resp.getWriter().print("slow down: " + rejection.reason() + " " + rejection.decision().policy().name());
        })
        .build();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("a", new TestServlets.Counting(), "/a").start()) {
      app.get("/a");
      HttpResponse<String> rejected = app.get("/a");
      assertThat(rejected.statusCode()).isEqualTo(503);
      assertThat(rejected.body()).isEqualTo("slow down: RATE_LIMITED a");
      assertThat(rejected.headers().firstValue("Retry-After")).isPresent();
    }
  }

  @Test
  void onlyA401ForAMissingHeaderCarriesAChallenge() throws Exception {
    try (JettyApp byUser = JettyApp.builder()
        .param("rule.user.paths", "/user").param("rule.user.limits", "5/minute").param("rule.user.key", "principal")
        .servlet("s", new TestServlets.Counting(), "/user").start();
        JettyApp forbidding = JettyApp.builder().param("missing-key-status", "403")
            .param("rule.key.paths", "/key").param("rule.key.limits", "5/minute")
            .param("rule.key.key", "header:X-API-Key")
            .servlet("s", new TestServlets.Counting(), "/key").start()) {
      HttpResponse<String> anonymous = byUser.get("/user");
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as("the application's login challenges users")
          .isEmpty();
      HttpResponse<String> forbidden = forbidding.get("/key");
      assertThat(forbidden.statusCode()).isEqualTo(403);
      assertThat(forbidden.headers().firstValue("WWW-Authenticate")).isEmpty();
      assertThat(forbidden.body()).contains("\"status\":403", "send the header X-API-Key");
    }
  }

  @Test
  void missingKeyIsRejectedWith401UnlessConfiguredOtherwise() throws Exception {
    TestServlets.Counting servlet = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.strict.paths", "/strict").param("rule.strict.limits", "5/minute")
        .param("rule.strict.key", "header:X-API-Key")
        .param("rule.lenient.paths", "/lenient").param("rule.lenient.limits", "1/minute")
        .param("rule.lenient.key", "header:X-API-Key").param("rule.lenient.missing-key", "skip")
        .param("rule.shared.paths", "/shared").param("rule.shared.limits", "1/minute")
        .param("rule.shared.key", "header:X-API-Key").param("rule.shared.missing-key", "shared:anonymous")
        .servlet("s", servlet, "/strict", "/lenient", "/shared").start()) {
      HttpResponse<String> missing = app.get("/strict");
      assertThat(missing.statusCode()).isEqualTo(401);
      assertThat(missing.headers().firstValue("Content-Type")).hasValueSatisfying(
          ct -> assertThat(ct).startsWith("application/problem+json"));
      assertThat(missing.body()).contains("\"status\":401").contains("X-API-Key");
      assertThat(missing.headers().firstValue("WWW-Authenticate")).as("a 401 carries a challenge")
          .hasValue("ApiKey header=\"X-API-Key\"");
      assertThat(app.get("/strict", "X-API-Key", "  ").statusCode()).isEqualTo(401);
      assertThat(app.get("/strict", "X-API-Key", "k").statusCode()).isEqualTo(200);

      assertThat(app.get("/lenient").statusCode()).isEqualTo(200);
      assertThat(app.get("/lenient").statusCode()).isEqualTo(200);

      assertThat(app.get("/shared").statusCode()).isEqualTo(200);
      assertThat(app.get("/shared").statusCode()).isEqualTo(429);
      assertThat(app.get("/shared", "X-API-Key", "k").statusCode()).isEqualTo(200);
      assertThat(servlet.calls).hasValue(5);
    }
  }

  @Test
  void annotatedServletsAreLimitedPerIpAndPerApiKey() throws Exception {
    TestServlets.PerIp perIp = new TestServlets.PerIp();
    TestServlets.PerKey perKey = new TestServlets.PerKey();
    try (JettyApp app = JettyApp.builder()
        .servlet("perIp", perIp, "/ip/*").servlet("perKey", perKey, "/key").start()) {
      for (int i = 0; i < 3; i++) {
        assertThat(app.get("/ip/x").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> rejected = app.get("/ip/y");
      assertThat(rejected.statusCode()).isEqualTo(429);
      assertThat(SfParser.parseList(rejected.headers().firstValue("RateLimit-Policy").orElseThrow()).get(0).value())
          .isEqualTo("PerIp");
      assertThat(perIp.calls).hasValue(3);

      for (String key : List.of("k1", "k2")) {
        assertThat(app.get("/key", "X-API-Key", key).statusCode()).isEqualTo(200);
        assertThat(app.get("/key", "X-API-Key", key).statusCode()).isEqualTo(200);
        assertThat(app.get("/key", "X-API-Key", key).statusCode()).isEqualTo(429);
      }
      assertThat(app.get("/key").statusCode()).isEqualTo(401);
      HttpRequest.Builder head = HttpRequest.newBuilder(app.uri("/key")).method("HEAD",
          HttpRequest.BodyPublishers.noBody());
      assertThat(app.send(head, "X-API-Key", "k1").statusCode()).as("HEAD runs doGet, so doGet's limit").isEqualTo(429);
      for (int i = 0; i < 5; i++) {
        HttpRequest.Builder post = HttpRequest.newBuilder(app.uri("/key")).POST(HttpRequest.BodyPublishers.noBody());
        assertThat(app.send(post).statusCode()).as("doPost has no limit").isEqualTo(200);
      }
      assertThat(perKey.calls).hasValue(4 + 5);
    }
  }

  @Test
  void methodsAndExclusionsNarrowRules() throws Exception {
    try (JettyApp app = JettyApp.builder()
        .param("rule.writes.paths", "/api/*").param("rule.writes.methods", "POST, PUT").param("rule.writes.limits",
            "1/hour")
        .param("rule.reads.paths", "/api/*").param("rule.reads.methods", "GET").param("rule.reads.limits", "1/hour")
        .param("exclude", "/api/health")
        .servlet("api", new TestServlets.Counting(), "/api/*").start()) {
      HttpRequest.Builder post = HttpRequest.newBuilder(app.uri("/api/x")).POST(HttpRequest.BodyPublishers.noBody());
      assertThat(app.send(post).statusCode()).isEqualTo(200);
      assertThat(app.send(post).statusCode()).isEqualTo(429);
      assertThat(app.get("/api/x").statusCode()).isEqualTo(200);
      HttpRequest.Builder head = HttpRequest.newBuilder(app.uri("/api/x")).method("HEAD",
          HttpRequest.BodyPublishers.noBody());
      assertThat(app.send(head).statusCode()).as("HEAD counts as GET").isEqualTo(429);
      for (int i = 0; i < 5; i++) {
        assertThat(app.get("/api/health").statusCode()).isEqualTo(200);
        assertThat(app.get("/api/health;v=1").statusCode()).isEqualTo(200);
      }
      // a container routes /x/ apart from /x (an exact mapping /x does not take it), so an exemption of /api/health
      // does not cover /api/health/: it could be another handler's
      assertThat(app.get("/api/health/").statusCode()).isEqualTo(429);
      assertThat(app.get("/api/health/../x").statusCode()).as("not an excluded path once canonical").isEqualTo(429);
    }
  }

  @Test
  void namedPoliciesAndAConfigFileAreReadThroughTheSameValidator() throws Exception {
    try (JettyApp app = JettyApp.builder()
        .param("config-file", "classpath:limiter-it.properties")
        .param("rule.fromfile.limits", "1/hour") // init-params override the file
        .servlet("api", new TestServlets.Counting(), "/*").start()) {
      assertThat(app.get("/file").statusCode()).isEqualTo(200);
      assertThat(app.get("/file").statusCode()).isEqualTo(429);
      assertThat(app.get("/shared-a").statusCode()).isEqualTo(200);
      assertThat(app.get("/shared-b").statusCode()).isEqualTo(200);
      HttpResponse<String> third = app.get("/shared-a");
      assertThat(third.statusCode()).as("two rules on one named policy share its bucket").isEqualTo(429);
      assertThat(third.body()).contains("\"violated-policies\":[\"pair\"]");
    }
  }

  @Test
  void initParamErrorsAreListedTogetherInOneServletException() {
    JettyApp.Builder broken = JettyApp.builder()
        .param("rule.api.paths", "/api/*")
        .param("rule.api.limits", "10/fortnight")
        .param("rule.api.key", "cookie:session")
        .param("rule.nopath.limits", "1/second")
        .param("rule.ref.paths", "/ref").param("rule.ref.policy", "nosuch")
        .param("header-mode", "fancy")
        .param("status", "abc")
        .param("client-ip.trusted-proxies", "10.0.0.0/8 0.0.0.0/0 not-an-ip")
        .param("stor", "memory")
        .param("store", "redis")
        .servlet("api", new TestServlets.Counting(), "/api/*");
    assertThatThrownBy(broken::start).satisfies(e -> {
      Throwable servletException = e;
      while (servletException != null && !(servletException instanceof jakarta.servlet.ServletException)) {
        servletException = servletException.getCause();
      }
      assertThat(servletException).as("a ServletException from init, in %s", e).isNotNull();
      assertThat(servletException.getMessage())
          .contains("Invalid rate limit configuration")
          .contains("rule.api.limits=\"10/fortnight\"")
          .contains("rule.api.key=\"cookie:session\"")
          .contains("init-param rule.nopath.paths is missing")
          .contains("rule.ref.*: unknown policy \"nosuch\"")
          .contains("header-mode=\"fancy\"")
          .contains("status=\"abc\"")
          .contains("not-an-ip")
          .contains("0.0.0.0/0")
          .contains("init-param stor=\"memory\": unknown setting")
          .contains("init-param store=\"redis\": unknown store; available: [memory, caffeine");
      assertThat(servletException.getCause()).isInstanceOf(RateLimitConfigException.class);
      assertThat(((RateLimitConfigException) servletException.getCause()).problems()).hasSize(10);
    });
  }

  @Test
  void annotationErrorsFailStartupNamingTheServlet() {
    JettyApp.Builder broken = JettyApp.builder().servlet("broken", new TestServlets.Broken(), "/b");
    assertThatThrownBy(broken::start).satisfies(e -> {
      Throwable t = e;
      while (t != null && !(t instanceof jakarta.servlet.ServletException)) {
        t = t.getCause();
      }
      assertThat(t).isNotNull();
      assertThat(t.getMessage()).contains("@RateLimit on class " + TestServlets.Broken.class.getName())
          .contains("\"#apiKey\" is a SpEL expression").contains("10/fortnight");
    });
  }

  private static SfParser.Item single(HttpResponse<String> response, String field) {
    List<SfParser.Item> items = SfParser.parseList(response.headers().firstValue(field).orElseThrow(
        () -> new AssertionError(field + " missing in " + response.headers().map())));
    assertThat(items).hasSize(1);
    return items.get(0);
  }
}
