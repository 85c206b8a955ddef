package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Algorithm;
import io.limiter.web.RateLimitRule;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * The filter settles reservations, over real HTTP: a request that one policy rejects costs nothing under the others
 * (URL rules and the servlet's annotations alike), and a rule that charges on outcome keeps a request's permits only
 * when the response matches.
 */
class SettlementIT {

  /** Limited per client IP, 3 an hour, by its annotation; under a global URL rule in the test. */
  @RateLimit(value = "3/hour", name = "per-ip")
  static final class PerIp extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;
  }

  /** Answers the status in the {@code status} query parameter. */
  static final class Status extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;

    @Override
    void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      calls.incrementAndGet();
      resp.setStatus(Integer.parseInt(req.getParameter("status")));
      resp.getWriter().print("status");
    }
  }

  /** Reports the tokens in the {@code used} query parameter: in a request attribute, or a header with {@code h}. */
  static final class Metered extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;

    @Override
    void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      calls.incrementAndGet();
      if (req.getParameter("h") != null) {
        resp.setHeader("X-Tokens-Used", req.getParameter("used"));
      } else {
        req.setAttribute("tokens", Long.valueOf(req.getParameter("used")));
      }
      resp.getWriter().print("answer");
    }
  }

  /** Streams asynchronously and reports its tokens in the attribute only when the stream ends. */
  static final class StreamingMetered extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient java.util.concurrent.ConcurrentLinkedQueue<jakarta.servlet.AsyncContext> open =
        new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.getWriter().print("first ");
      resp.flushBuffer();
      jakarta.servlet.AsyncContext async = req.startAsync();
      async.setTimeout(0);
      open.add(async);
    }

    void finish(long tokens) throws IOException {
      jakarta.servlet.AsyncContext async = open.remove();
      async.getRequest().setAttribute("tokens", tokens);
      async.getResponse().getWriter().print("last");
      async.complete();
    }
  }

  @Test
  void theRulesCostIsAnEstimateSettledToWhatTheApplicationReportsAfterTheChain() throws Exception {
    RateLimitFilter filter = RateLimitFilter.builder()
        // a moving window: nothing comes back within the hour, whatever the machine's speed
        .rule(RateLimitRule.builder("tokens").paths("/a/*").limits("1000/hour").algorithm(Algorithm.MOVING_WINDOW)
            .cost(400).key("global").actualCost("attribute:tokens").build())
        .rule(RateLimitRule.builder("by-header").paths("/h/*").limits("1000/hour").algorithm(Algorithm.MOVING_WINDOW)
            .cost(400).key("global").actualCost("header:X-Tokens-Used").build())
        .build();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("a", new Metered(), "/a/*")
        .servlet("h", new Metered(), "/h/*").start()) {
      // each call reserves 400 and is settled to what it used: 100 + 250 + 50 = 400 of 1000
      assertThat(app.get("/a/x?used=100").statusCode()).isEqualTo(200);
      assertThat(app.get("/a/x?used=250").statusCode()).isEqualTo(200);
      HttpResponse<String> third = app.get("/a/x?used=50");
      assertThat(third.headers().firstValue("RateLimit")).as("reported before the settlement: 1000 - 350 - 400")
          .hasValueSatisfying(v -> assertThat(v).startsWith("\"tokens\";r=250;t="));
      assertThat(app.get("/a/x?used=400").statusCode()).as("600 left: 400 fit").isEqualTo(200);
      assertThat(app.get("/a/x?used=0").statusCode()).as("200 left: no room for the estimate").isEqualTo(429);
      // a dearer call than its estimate takes more
      assertThat(app.get("/h/x?used=900&h").statusCode()).isEqualTo(200);
      assertThat(app.get("/h/x?used=1&h").statusCode()).as("100 left").isEqualTo(429);
    }
  }

  @Test
  void aStreamedResponseSettlesWhenItsBodyEnds() throws Exception {
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("stream").paths("/s/*").limits("1000/hour").algorithm(Algorithm.MOVING_WINDOW)
            .cost(500).key("global").actualCost("attribute:tokens").build())
        .build();
    StreamingMetered servlet = new StreamingMetered();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("s", servlet, "/s/*").start()) {
      var first = app.client.sendAsync(java.net.http.HttpRequest.newBuilder(app.uri("/s/x")).build(),
          HttpResponse.BodyHandlers.ofString());
      var second = app.client.sendAsync(java.net.http.HttpRequest.newBuilder(app.uri("/s/y")).build(),
          HttpResponse.BodyHandlers.ofString());
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(1)).until(() -> servlet.open.size() == 2);
      assertThat(app.get("/s/z").statusCode()).as("two estimates of 500 hold the budget while they stream")
          .isEqualTo(429);
      servlet.finish(10);
      servlet.finish(20);
      assertThat(first.get(1, java.util.concurrent.TimeUnit.MINUTES).body()).isEqualTo("first last");
      assertThat(second.get(1, java.util.concurrent.TimeUnit.MINUTES).statusCode()).isEqualTo(200);
      // settled to 10 and 20 when the streams ended: 970 are left, so one estimate of 500 fits again
      var third = app.client.sendAsync(java.net.http.HttpRequest.newBuilder(app.uri("/s/w")).build(),
          HttpResponse.BodyHandlers.ofString());
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(1)).until(() -> servlet.open.size() == 1);
      servlet.finish(5);
      assertThat(third.get(1, java.util.concurrent.TimeUnit.MINUTES).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aRequestRejectedByTheServletsLimitCostsNothingUnderTheGlobalRule() throws Exception {
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("global").paths("/api/*", "/open/*").limits("10/hour").key("global").build())
        .build();
    PerIp api = new PerIp();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", api, "/api/*")
        .servlet("open", new TestServlets.Counting(), "/open/*").start()) {
      int admitted = 0;
      for (int i = 0; i < 50; i++) {
        admitted += app.get("/api/x").statusCode() == 200 ? 1 : 0;
      }
      assertThat(admitted).as("the servlet's own 3/hour").isEqualTo(3);
      HttpResponse<String> last = app.get("/api/x");
      assertThat(last.statusCode()).isEqualTo(429);
      assertThat(last.body()).contains("\"violated-policies\":[\"per-ip\"]");
      assertThat(api.calls).hasValue(3);
      // 48 rejections refunded their global permits: the global budget has 10 - 3 = 7 left
      int open = 0;
      while (app.get("/open/x").statusCode() == 200 && open < 20) {
        open++;
      }
      assertThat(open).isEqualTo(7);
    }
  }

  /**
   * The rules and the servlet's annotations of a request go to the store together: one
   * {@link io.limiter.core.RateLimitStore#reserveAll} call per request (one script call on Redis), all or nothing.
   */
  @Test
  void aRequestsRulesAndServletLimitsGoToTheStoreInOneCall() throws Exception {
    io.limiter.core.RateLimitStore memory = io.limiter.core.RateLimitStore.inMemory();
    java.util.List<Integer> groups = new java.util.concurrent.CopyOnWriteArrayList<>();
    io.limiter.core.RateLimitStore counting = new io.limiter.core.RateLimitStore() {
      @Override
      public io.limiter.core.KeySpace keySpace(io.limiter.core.LimitPolicy policy) {
        return memory.keySpace(policy);
      }

      @Override
      public long trackedKeys() {
        return memory.trackedKeys();
      }

      @Override
      public java.util.List<io.limiter.core.Reservation> reserveAll(java.util.List<io.limiter.core.Claim> claims) {
        groups.add(claims.size());
        return memory.reserveAll(claims);
      }
    };
    RateLimitFilter filter = RateLimitFilter.builder().store(counting)
        .rule(RateLimitRule.builder("global").paths("/api/*").limits("10/hour").key("global").build())
        .rule(RateLimitRule.builder("burst").paths("/api/*").limits("100/hour").build())
        .build();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", new PerIp(), "/api/*").start()) {
      for (int i = 0; i < 4; i++) {
        app.get("/api/x");
      }
      assertThat(groups).as("one store call per request: two rules and the servlet's limit")
          .containsExactly(3, 3, 3, 3);
    }
  }

  @Test
  void aRuleThatChargesOnOutcomeKeepsOnlyTheMatchingResponsesPermits() throws Exception {
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("failures").paths("/s/*").limits("3/hour").chargeOn("401, 5xx").build())
        .build();
    Status servlet = new Status();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("s", servlet, "/s/*").start()) {
      for (int i = 0; i < 20; i++) {
        assertThat(app.get("/s/x?status=200").statusCode()).as("successes cost nothing").isEqualTo(200);
        assertThat(app.get("/s/x?status=404").statusCode()).as("nor do other statuses").isEqualTo(404);
      }
      assertThat(app.get("/s/x?status=401").statusCode()).isEqualTo(401);
      assertThat(app.get("/s/x?status=503").statusCode()).isEqualTo(503);
      assertThat(app.get("/s/x?status=401").statusCode()).isEqualTo(401);
      HttpResponse<String> rejected = app.get("/s/x?status=200");
      assertThat(rejected.statusCode()).as("three failures spent the budget").isEqualTo(429);
      assertThat(servlet.calls).hasValue(43);
    }
  }
}
