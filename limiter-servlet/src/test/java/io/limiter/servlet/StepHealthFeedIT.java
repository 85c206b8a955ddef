package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.step.Health;
import io.limiter.core.step.StepController;
import io.limiter.web.RateLimitRule;
import io.limiter.web.StepSettings;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Clients cannot steer the level of a step controller through the servlet filter's health feed, over real HTTP on
 * Jetty: slow uploads and abandoned downloads are the client's time, not the server's; one client's slow calls are
 * set aside; a server that is slow for everyone still steps down. Controllers tick by hand (interval one hour).
 */
class StepHealthFeedIT {

  private static final String CONTROLLER = "latency=p95 250ms; error-ratio=5%; min-samples=20; down-after=1; "
      + "cooldown=0; interval=1h; in-flight=10000";

  /** Reads the whole body, answers "ok". */
  static final class Upload extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      req.getInputStream().readAllBytes();
      resp.getWriter().write("ok");
    }
  }

  /** Writes 32 MB: only a client that reads it all lets the write finish. */
  static final class Download extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      byte[] chunk = new byte[64 * 1024];
      OutputStream out = resp.getOutputStream();
      for (int i = 0; i < 512; i++) {
        out.write(chunk);
      }
    }
  }

  /** Sleeps 300 ms when the request says so: a call that is slow for the server. */
  static final class MaybeSlow extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (req.getParameter("slow") != null) {
        try {
          Thread.sleep(300);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      resp.getWriter().write("ok");
    }
  }

  private static JettyApp.Builder app(RateLimitFilter filter, String controller) {
    return JettyApp.builder().filter(filter)
        .param("adaptive.api", controller)
        .param("client-ip.trusted-proxies", "127.0.0.1/32")
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "100000/hour").param("rule.api.key", "ip")
        .param("rule.api.adaptive", "api");
  }

  private static String rawRequest(String method, String path, String extraHeaders) {
    return method + " " + JettyApp.CONTEXT + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extraHeaders + "\r\n";
  }

  private static void awaitIdle(StepController c) {
    org.awaitility.Awaitility.await("every call finished").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(10)).until(() -> c.inFlight() == 0);
  }

  @Test
  void slowUploadsAreTheClientsTimeNotTheServers() throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    // every call counts here (ignored-keys=0), so only the timing of the server's own work protects the level
    try (JettyApp app = app(filter, CONTROLLER + "; ignored-keys=0").servlet("upload", new Upload(), "/api/upload")
        .start()) {
      int port = app.uri("/").getPort();
      ExecutorService pool = Executors.newFixedThreadPool(20);
      try {
        List<Future<String>> uploads = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
          uploads.add(pool.submit(() -> {
            try (Socket s = new Socket("127.0.0.1", port)) {
              s.setSoTimeout(30_000);
              OutputStream out = s.getOutputStream();
              out.write(rawRequest("POST", "/api/upload", "Content-Length: 2\r\nConnection: close\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
              out.write('a');
              out.flush();
              Thread.sleep(400); // the client pauses inside its 2-byte body
              out.write('b');
              out.flush();
              return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            }
          }));
        }
        for (Future<String> f : uploads) {
          assertThat(f.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200");
        }
      } finally {
        pool.shutdownNow();
      }
      StepController c = filter.stepControllers().controller("api");
      awaitIdle(c);
      c.tick();
      assertThat(c.lastHealth().status()).as(c.lastHealth().detail()).isEqualTo(Health.Status.HEALTHY);
      assertThat(c.lastHealth().detail()).contains("(20 calls)");
      assertThat(c.level()).isZero();
    }
  }

  @Test
  void abandonedDownloadsAreNotFailures() throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    try (JettyApp app = app(filter, CONTROLLER + "; ignored-keys=0")
        .servlet("download", new Download(), "/api/download").start()) {
      int port = app.uri("/").getPort();
      for (int i = 0; i < 20; i++) {
        try (Socket s = new Socket("127.0.0.1", port)) {
          s.setSoTimeout(30_000);
          s.getOutputStream().write(rawRequest("GET", "/api/download", "").getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          InputStream in = s.getInputStream();
          in.readNBytes(1024); // the headers and a little of the body, then the client hangs up
          s.setSoLinger(true, 0);
        }
      }
      StepController c = filter.stepControllers().controller("api");
      awaitIdle(c);
      c.tick();
      assertThat(c.lastHealth().detail()).contains("error ratio 0% (0 of 20 calls)");
      assertThat(c.level()).isZero();
    }
  }

  @Test
  void oneClientsSlowCallsCannotMoveTheLevelButASlowServerDoes() throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    try (JettyApp app = app(filter, CONTROLLER).servlet("api", new MaybeSlow(), "/api/*").start()) {
      StepController c = filter.stepControllers().controller("api");
      ExecutorService pool = Executors.newFixedThreadPool(40);
      try {
        // one client alone, 30 slow calls: not enough others to judge by, the level holds
        slowCalls(app, pool, 30, i -> "203.0.113.66");
        awaitIdle(c);
        c.tick();
        assertThat(c.lastHealth().status()).as(c.lastHealth().detail()).isEqualTo(Health.Status.UNKNOWN);
        assertThat(c.level()).isZero();

        // the same client again, with 60 healthy calls from 30 other clients
        slowCalls(app, pool, 30, i -> "203.0.113.66");
        for (int i = 0; i < 60; i++) {
          assertThat(app.get("/api/x", "X-Forwarded-For", "198.51.100." + (i % 30)).statusCode()).isEqualTo(200);
        }
        awaitIdle(c);
        c.tick();
        assertThat(c.lastHealth().status()).as(c.lastHealth().detail()).isEqualTo(Health.Status.HEALTHY);
        assertThat(c.lastHealth().detail()).contains("only because of the client with the most slow calls");
        assertThat(c.level()).isZero();

        // slow for everyone: 40 clients, all slow
        slowCalls(app, pool, 40, i -> "192.0.2." + i);
        awaitIdle(c);
        c.tick();
        assertThat(c.lastHealth().status()).as(c.lastHealth().detail()).isEqualTo(Health.Status.UNHEALTHY);
        assertThat(c.level()).isOne();
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void slowCalls(JettyApp app, ExecutorService pool, int n,
      java.util.function.IntFunction<String> client) throws Exception {
    List<Future<Integer>> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String ip = client.apply(i);
      calls.add(pool.submit(() -> app.get("/api/x?slow", "X-Forwarded-For", ip).statusCode()));
    }
    for (Future<Integer> f : calls) {
      assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(200);
    }
  }

  @Test
  void aMissingKeyBucketIsNeverBoxed() throws Exception {
    try (JettyApp app = JettyApp.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "2/minute").param("rule.api.key", "header:X-Key")
        .param("rule.api.missing-key", "shared:anonymous").param("rule.api.penalty", "1/hour -> block for 10m")
        .servlet("api", new MaybeSlow(), "/api/*").start()) {
      for (int i = 0; i < 10; i++) {
        app.get("/api/x"); // one anonymous client hammering the shared bucket
      }
      HttpResponse429 second = new HttpResponse429(app.get("/api/x"));
      assertThat(second.retryAfter()).as("only the bucket's own wait, no 10-minute penalty").isLessThanOrEqualTo(60);
    }
  }

  @Test
  void aLevelDropDoesNotBoxAWellBehavedClient() throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    try (JettyApp app = JettyApp.builder().filter(filter)
        .param("adaptive.api", "latency=p95 250ms; interval=1h")
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "100/hour").param("rule.api.key", "header:X-User")
        .param("rule.api.adaptive", "api").param("rule.api.penalty", "2/hour -> block for 1h")
        .servlet("api", new MaybeSlow(), "/api/*").start()) {
      StepController c = filter.stepControllers().controller("api");
      c.pin(4, "slow traffic from other keys"); // 10%: 10/hour
      int admitted = 0;
      for (int i = 0; i < 20; i++) {
        if (app.get("/api/x", "X-User", "steady").statusCode() == 200) {
          admitted++;
        }
      }
      assertThat(admitted).as("squeezed to the lower level").isEqualTo(10);
      c.pin(0, "healthy again");
      assertThat(new HttpResponse429(app.get("/api/x", "X-User", "steady")).retryAfter())
          .as("its bucket refills at 100/hour, one permit per 36 s; no hour-long penalty").isLessThanOrEqualTo(36);
    }
  }

  @Test
  void aFilterInitialisedAgainStartsItsControllerAgain() throws Exception {
    StepController owned = StepController.builder("api").interval(java.time.Duration.ofHours(1)).build();
    RateLimitFilter filter = RateLimitFilter.builder().controller(owned)
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("100/hour").key("ip")
            .steps(StepSettings.builder().adaptive("api").build()).build())
        .build();
    for (int round = 0; round < 2; round++) {
      try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", new MaybeSlow(), "/api/*").start()) {
        assertThat(owned.running()).as("started by init, round " + round).isTrue();
        assertThat(app.get("/api/x").statusCode()).isEqualTo(200);
      }
      assertThat(owned.running()).as("closed by destroy").isFalse();
    }
  }

  private record HttpResponse429(java.net.http.HttpResponse<String> response) {
    long retryAfter() {
      assertThat(response.statusCode()).isEqualTo(429);
      return Long.parseLong(response.headers().firstValue("Retry-After").orElseThrow());
    }
  }
}
