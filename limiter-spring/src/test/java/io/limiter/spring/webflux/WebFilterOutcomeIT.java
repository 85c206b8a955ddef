package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.test.NonBlocking;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import reactor.core.publisher.Mono;

/**
 * How an admitted exchange ends, over real HTTP on Netty: a client that hangs up while the HANDLER runs (not while the
 * store decides: {@link WebFilterCancelIT}), and handlers that fail (a thrown exception, {@code Mono.error}, a
 * {@link ResponseStatusException}). The concurrency permit comes back, charge-on-outcome rules settle by the outcome,
 * the response is the one WebFlux renders, and the step controller is fed as the servlet filter feeds it: a server
 * failure (an error rendered as 5xx) counts, a client error (a 4xx {@code ResponseStatusException}) and a client that
 * went away do not. A client that hangs up is charged as the response stood when it left (200 unless set).
 */
@ExtendWith(NonBlocking.class)
class WebFilterOutcomeIT {

  static WebFluxApp app;

  @BeforeAll
  static void start() {
    Map<String, Object> p = new LinkedHashMap<>();
    // one request in flight per client on /slow
    p.put("limiter.filter.rules[0].name", "inflight");
    p.put("limiter.filter.rules[0].paths", "/slow/**");
    p.put("limiter.filter.rules[0].limits", "1 concurrent");
    p.put("limiter.filter.rules[0].key", "header:X-Client");
    // failed logins only: 1 per hour, charged on a 401
    p.put("limiter.filter.rules[1].name", "login");
    p.put("limiter.filter.rules[1].paths", "/slow/**");
    p.put("limiter.filter.rules[1].limits", "1/hour");
    p.put("limiter.filter.rules[1].key", "header:X-Client");
    p.put("limiter.filter.rules[1].charge-on", "401");
    // server failures only: 2 per hour, charged on a 5xx
    p.put("limiter.filter.rules[2].name", "failures");
    p.put("limiter.filter.rules[2].paths", "/fail/**");
    p.put("limiter.filter.rules[2].limits", "2/hour");
    p.put("limiter.filter.rules[2].key", "header:X-Client");
    p.put("limiter.filter.rules[2].charge-on", "5xx");
    // the health of /fail: every call counts, ticked by hand
    p.put("limiter.filter.rules[3].paths", "/fail/**");
    p.put("limiter.filter.rules[3].policy", "guarded");
    p.put("limiter.filter.rules[3].key", "global");
    p.put("limiter.policies.guarded.limits", "100000/hour");
    p.put("limiter.policies.guarded.adaptive", "fail-health");
    p.put("limiter.adaptive.fail-health.error-ratio", "5%");
    p.put("limiter.adaptive.fail-health.min-samples", "6");
    p.put("limiter.adaptive.fail-health.down-after", "1");
    p.put("limiter.adaptive.fail-health.cooldown", "0");
    p.put("limiter.adaptive.fail-health.interval", "1h");
    p.put("limiter.adaptive.fail-health.ignored-keys", "0");
    // expensive exports: 1 per hour, charged on success only
    p.put("limiter.filter.rules[4].name", "exports");
    p.put("limiter.filter.rules[4].paths", "/export/**");
    p.put("limiter.filter.rules[4].limits", "1/hour");
    p.put("limiter.filter.rules[4].key", "header:X-Client");
    p.put("limiter.filter.rules[4].charge-on", "2xx");
    app = WebFluxApp.start(p, Slow.class);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  /** Handlers that hold the exchange open, or fail in each of the ways a WebFlux handler fails. */
  @RestController
  static class Slow {
    final Queue<String> entered = new ConcurrentLinkedQueue<>();
    final Queue<String> cancelled = new ConcurrentLinkedQueue<>();

    @GetMapping("/slow/{id}")
    Mono<String> slow(@org.springframework.web.bind.annotation.PathVariable String id) {
      entered.add(id);
      return id.startsWith("quick") ? Mono.just("done") : Mono.never(); // never: until the client hangs up
    }

    @GetMapping("/export/{id}")
    Mono<String> export(@org.springframework.web.bind.annotation.PathVariable String id) {
      entered.add(id);
      if (id.startsWith("bad")) {
        return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST, "no such export"));
      }
      // never: until the client hangs up; the filter settles the exchange right after this cancel, on the same thread
      return id.startsWith("quick") ? Mono.just("exported") : Mono.<String>never().doOnCancel(() -> cancelled.add(id));
    }

    @GetMapping("/fail/thrown")
    Mono<String> thrown() {
      throw new IllegalStateException("a bug");
    }

    @GetMapping("/fail/mono-error")
    Mono<String> monoError() {
      return Mono.error(new IllegalStateException("a failed call"));
    }

    @GetMapping("/fail/unavailable")
    Mono<String> unavailable() {
      return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "backend down"));
    }

    @GetMapping("/fail/bad-request")
    Mono<String> badRequest() {
      return Mono.error(new ResponseStatusException(HttpStatus.BAD_REQUEST, "bad input"));
    }

    @GetMapping("/fail/ok")
    Mono<String> ok() {
      return Mono.just("ok");
    }
  }

  /** Sends a request to {@code /slow/ID}, waits until its handler runs, then hangs up. */
  private static void hangUpInTheHandler(String id, String client) {
    hangUpInTheHandler("/slow/", id, client);
  }

  /** Sends a request to {@code PATH ID}, waits until its handler runs, then hangs up. */
  private static void hangUpInTheHandler(String path, String id, String client) {
    Slow slow = app.context().getBean(Slow.class);
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", app.port()), 10_000);
      OutputStream out = socket.getOutputStream();
      out.write(("GET " + path + id + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Client: " + client + "\r\n\r\n")
          .getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> slow.entered.contains(id));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The feed runs when the exchange ends, just after the client has its response: ticks until the calls are judged
   * (a tick before the last call came leaves them unjudged, below min-samples, and they stay in the window).
   */
  private static void ticksTo(StepController health, String detail) {
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
      health.tick();
      assertThat(health.lastHealth().detail()).startsWith(detail);
    });
  }

  @Test
  void aClientThatHangsUpWhileTheHandlerRunsGivesItsPermitBackAndIsNotChargedAFailedLogin() {
    hangUpInTheHandler("held-1", "mallory");
    // the exchange is cancelled: the concurrency permit comes back (else the client's lease holds it 5 minutes), and
    // the login rule, whose outcome never came (no 401), refunds: the next request of the client is admitted
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> app.get("/slow/quick-1", "X-Client", "mallory").statusCode() == 200);
    // and again: neither a hang-up nor a 200 is a failed login, so nothing is charged
    hangUpInTheHandler("held-2", "mallory");
    Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> app.get("/slow/quick-2", "X-Client", "mallory").statusCode() == 200);
  }

  @Test
  void aClientThatHangsUpWhileAChargeOnSuccessHandlerRunsIsChargedAsIfServed() {
    // the export was under way when the client left: the response stood at 200, so the 2xx rule keeps the permit
    // (refunding it would let a client make the server work for free by hanging up before every answer)
    Slow slow = app.context().getBean(Slow.class);
    hangUpInTheHandler("/export/", "held-export", "oscar");
    Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> slow.cancelled.contains("held-export"));
    // a probe is never charged (its handler answers 400, not a 2xx): had the hang-up been refunded, a probe would be
    // admitted within moments of the cancel; it stays refused by the exports rule
    Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
          var probe = app.get("/export/bad-probe", "X-Client", "oscar");
          assertThat(probe.statusCode()).isEqualTo(429);
          assertThat(probe.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"exports\";r=0;");
        });
    // another client: a 400 is not charged, a served export is
    assertThat(app.get("/export/bad-1", "X-Client", "olga").statusCode()).isEqualTo(400);
    assertThat(app.get("/export/quick-1", "X-Client", "olga").statusCode()).isEqualTo(200);
    assertThat(app.get("/export/quick-2", "X-Client", "olga").statusCode()).isEqualTo(429);
  }

  @Test
  void failingHandlersAreAnsweredAsWebFluxRendersThemAndChargedByTheirStatus() {
    StepController health = app.context().getBean(StepControllerRegistry.class).controller("fail-health");
    health.tick(); // forget earlier calls
    // a client error (400) is neither charged by a 5xx rule nor a server failure; three of them, then three 200s
    for (int i = 0; i < 3; i++) {
      assertThat(app.get("/fail/bad-request", "X-Client", "eve").statusCode()).isEqualTo(400);
      assertThat(app.get("/fail/ok", "X-Client", "eve").statusCode()).isEqualTo(200);
    }
    ticksTo(health, "error ratio 0% (0 of 6 calls");
    assertThat(health.level()).isZero();
    // server failures: a thrown exception and Mono.error render as 500, a ResponseStatusException as its 503; each
    // is charged by the 5xx rule (2 per hour: the third failure of the client is refused before the handler)
    assertThat(app.get("/fail/thrown", "X-Client", "trent").statusCode()).isEqualTo(500);
    assertThat(app.get("/fail/mono-error", "X-Client", "trent").statusCode()).isEqualTo(500);
    var refused = app.get("/fail/unavailable", "X-Client", "trent");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"failures\";r=0;");
    assertThat(app.get("/fail/unavailable", "X-Client", "trudy").statusCode()).isEqualTo(503);
    var left = app.get("/fail/ok", "X-Client", "trudy");
    assertThat(left.headers().firstValue("RateLimit").orElseThrow()).contains("\"failures\";r=0;");
    // 2 x 500, 1 x 503 and the 200 above, and 2 more 200s: 3 of 6 calls failed
    for (int i = 0; i < 2; i++) {
      assertThat(app.get("/fail/ok", "X-Client", "walter").statusCode()).isEqualTo(200);
    }
    ticksTo(health, "error ratio 50% (3 of 6 calls");
    assertThat(health.level()).isPositive();
  }
}
