package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
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
