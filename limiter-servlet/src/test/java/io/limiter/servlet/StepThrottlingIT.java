package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitStore;
import io.limiter.core.step.Health;
import io.limiter.core.step.PenaltyEvent;
import io.limiter.core.step.StepController;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.web.RateLimitRule;
import io.limiter.web.RequestKeys;
import io.limiter.web.StepSettings;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Step-function throttling through the filter in a real Jetty: tiers picked per request, unlimited tiers that never
 * reach the store, a controller whose level changes the admitted counts, the health feed from real responses, the
 * penalty box, and {@code @RateLimit} steps on a servlet. Controllers tick by hand (their interval is an hour), so
 * nothing waits for a clock.
 */
class StepThrottlingIT {

  private static final String TIERS = "free=2/hour; pro=5/hour; internal=unlimited; default=free";

  /** Sends {@code n} requests and counts the 200s. */
  private static int admitted(JettyApp app, int n, String path, String... headers) {
    int ok = 0;
    for (int i = 0; i < n; i++) {
      if (app.get(path, headers).statusCode() == 200) {
        ok++;
      }
    }
    return ok;
  }

  @Test
  void threeApiKeysOnThreeTiersByHeader() throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "10/hour")
        .param("rule.api.key", "header:X-API-Key")
        .param("rule.api.tiers", TIERS).param("rule.api.tier-key", "trusted:header:X-Plan")
        .servlet("api", api, "/api/*").start()) {
      assertThat(admitted(app, 8, "/api/x", "X-API-Key", "key-free", "X-Plan", "free")).isEqualTo(2);
      assertThat(admitted(app, 8, "/api/x", "X-API-Key", "key-pro", "X-Plan", "PRO")).as("case-insensitive")
          .isEqualTo(5);
      assertThat(admitted(app, 30, "/api/x", "X-API-Key", "key-internal", "X-Plan", "internal")).isEqualTo(30);
      assertThat(admitted(app, 8, "/api/x", "X-API-Key", "key-gold", "X-Plan", "gold")).as("unknown tier → free")
          .isEqualTo(2);
      assertThat(admitted(app, 8, "/api/x", "X-API-Key", "key-none")).as("no tier → default").isEqualTo(2);

      HttpResponse<String> pro = app.get("/api/x", "X-API-Key", "key-pro2", "X-Plan", "pro");
      assertThat(pro.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=5;w=3600");
      HttpResponse<String> internal = app.get("/api/x", "X-API-Key", "key-internal", "X-Plan", "internal");
      assertThat(internal.statusCode()).isEqualTo(200);
      assertThat(internal.headers().firstValue("RateLimit-Policy")).isEmpty();
      assertThat(internal.headers().firstValue("RateLimit")).isEmpty();
      assertThat(api.calls).hasValue(2 + 5 + 30 + 2 + 2 + 1 + 1);
    }
  }

  @Test
  void aProgrammaticGlobalKeyIsSharedAndNeverBoxed() throws Exception {
    // RequestKeys.global() is the bucket every client shares: boxing it would box everyone (found by the red team)
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("all").paths("/api/*").limits("1/minute").key(RequestKeys.global())
            .steps(StepSettings.builder().penalty("2/hour -> block for 1h").build()).build())
        .build();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", new TestServlets.Counting(), "/api/*")
        .start()) {
      assertThat(app.get("/api/x").statusCode()).isEqualTo(200);
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> rejected = app.get("/api/x");
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(Long.parseLong(rejected.headers().firstValue("Retry-After").orElseThrow()))
            .as("only the bucket's own wait, never a penalty").isLessThanOrEqualTo(60);
      }
      SteppedRateLimiter<String> all = filter.steppedLimiter("all").orElseThrow();
      assertThat(all.penaltyBox().orElseThrow().release(RequestKeys.GLOBAL_KEY)).as("never boxed").isFalse();
    }
  }

  @Test
  void anUnlimitedTierNeverReachesTheStore() throws Exception {
    RateLimitStore store = RateLimitStore.inMemory();
    RateLimitFilter filter = RateLimitFilter.builder().store(store)
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("1/hour").key("header:X-API-Key")
            .steps(StepSettings.builder().tiers(TIERS).tierKey("trusted:header:X-Plan").build()).build())
        .build();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", new TestServlets.Counting(), "/api/*")
        .start()) {
      for (int i = 0; i < 20; i++) {
        assertThat(app.get("/api/x", "X-API-Key", "ops-" + i, "X-Plan", "internal").statusCode()).isEqualTo(200);
      }
      assertThat(store.trackedKeys()).isZero();
      assertThat(app.get("/api/x", "X-API-Key", "someone", "X-Plan", "free").statusCode()).isEqualTo(200);
      assertThat(store.trackedKeys()).isOne();
    } finally {
      store.close();
    }
  }

  @Test
  void aControllerSteppingDownOnUnhealthySignalsChangesTheAdmittedCounts() throws Exception {
    AtomicReference<Health> health = new AtomicReference<>(Health.healthy("fine"));
    StepController controller = StepController.builder("db").levels(1.0, 0.5, 0.1).downAfter(1).upAfter(1)
        .cooldown(Duration.ZERO).interval(Duration.ofHours(1))
        .signal(new io.limiter.core.step.HealthSignal() {
          @Override
          public String name() {
            return "db-pool";
          }

          @Override
          public Health sample() {
            return health.get();
          }
        }).build();
    RateLimitFilter filter = RateLimitFilter.builder().controller(controller)
        .rule(RateLimitRule.builder("api").paths("/api/*").limits("10/hour").key("header:X-API-Key")
            .steps(StepSettings.builder().adaptive("db").build()).build())
        .build();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("api", new TestServlets.Counting(), "/api/*")
        .start()) {
      assertThat(controller.running()).as("started by init").isTrue();
      assertThat(filter.stepControllers().controller("db")).isSameAs(controller);
      assertThat(admitted(app, 20, "/api/x", "X-API-Key", "a")).isEqualTo(10);

      health.set(Health.unhealthy("pool 95% used"));
      controller.tick();
      assertThat(controller.factor()).isEqualTo(0.5);
      assertThat(admitted(app, 20, "/api/x", "X-API-Key", "b")).isEqualTo(5);
      HttpResponse<String> limited = app.get("/api/x", "X-API-Key", "c");
      assertThat(limited.headers().firstValue("RateLimit-Policy")).hasValue("\"api\";q=5;w=3600");

      controller.tick();
      assertThat(controller.factor()).isEqualTo(0.1);
      assertThat(admitted(app, 20, "/api/x", "X-API-Key", "d")).isEqualTo(1);

      health.set(Health.healthy("pool 20% used"));
      controller.tick();
      controller.tick();
      assertThat(controller.factor()).isEqualTo(1.0);
      assertThat(admitted(app, 20, "/api/x", "X-API-Key", "e")).isEqualTo(10);
    }
    assertThat(controller.running()).as("closed by destroy").isFalse();
  }

  @Test
  void admittedResponsesFeedTheErrorRatioOfTheController() throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    try (JettyApp app = JettyApp.builder().filter(filter)
        .param("adaptive.errors", "levels=100%, 50%; error-ratio=10%; min-samples=4; down-after=1; cooldown=0; ignored-keys=0; "
            + "interval=1h; in-flight=100")
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "100/hour").param("rule.api.adaptive", "errors")
        .servlet("ok", new TestServlets.Counting(), "/api/ok")
        .servlet("fail", new Failing500(), "/api/fail")
        .start()) {
      StepController errors = filter.stepControllers().controller("errors");
      for (int i = 0; i < 8; i++) {
        assertThat(app.get("/api/ok").statusCode()).isEqualTo(200);
      }
      errors.tick();
      assertThat(errors.level()).as("8 good calls").isZero();
      assertThat(errors.lastHealth().detail()).contains("0 of 8");
      for (int i = 0; i < 4; i++) {
        assertThat(app.get("/api/fail").statusCode()).isEqualTo(500);
      }
      app.get("/api/ok");
      assertThat(errors.inFlight()).as("every admitted call finished").isZero();
      errors.tick();
      assertThat(errors.level()).as("4 of 5 calls failed").isOne();
      assertThat(errors.lastChange().reason()).contains("error");
    }
  }

  @Test
  void aClientRejectedAgainAndAgainGoesIntoThePenaltyBoxUntilReleased() throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    Queue<PenaltyEvent> events = PenaltyEvents.EVENTS;
    events.clear();
    try (JettyApp app = JettyApp.builder().filter(filter)
        .param("rule.login.paths", "/login").param("rule.login.limits", "1/minute")
        .param("rule.login.key", "header:X-User").param("rule.login.penalty", "2/hour -> block for 1h")
        .param("listener", PenaltyEvents.class.getName())
        .servlet("login", new TestServlets.Counting(), "/login").start()) {
      assertThat(app.get("/login", "X-User", "mallory").statusCode()).isEqualTo(200);
      assertThat(app.get("/login", "X-User", "mallory").headers().firstValue("Retry-After")).hasValue("60");
      app.get("/login", "X-User", "mallory");
      assertThat(events).isEmpty();
      HttpResponse<String> boxed = app.get("/login", "X-User", "mallory");
      assertThat(boxed.statusCode()).isEqualTo(429);
      assertThat(events).singleElement().satisfies(e -> {
        assertThat(e.type()).isEqualTo(PenaltyEvent.Type.ENTERED);
        assertThat(e.key()).as("the stored key").isEqualTo("h:x-user:mallory");
        assertThat(e.policy()).isEqualTo("login");
      });
      assertThat(Long.parseLong(app.get("/login", "X-User", "mallory").headers().firstValue("Retry-After")
          .orElseThrow())).as("the rest of the hour-long penalty").isGreaterThan(3500);
      assertThat(app.get("/login", "X-User", "alice").statusCode()).as("others are not boxed").isEqualTo(200);

      SteppedRateLimiter<String> login = filter.steppedLimiter("login").orElseThrow();
      assertThat(login.penaltyBox().orElseThrow().release("h:x-user:mallory")).isTrue();
      assertThat(Long.parseLong(app.get("/login", "X-User", "mallory").headers().firstValue("Retry-After")
          .orElseThrow())).as("only the bucket's own wait").isLessThanOrEqualTo(60);
      assertThat(events).extracting(PenaltyEvent::type)
          .containsExactly(PenaltyEvent.Type.ENTERED, PenaltyEvent.Type.RELEASED);
    }
  }

  @Test
  void annotatedServletsAndNamedPoliciesCarrySteps() throws Exception {
    try (JettyApp app = JettyApp.builder()
        .param("policy.shared.limits", "4/hour").param("policy.shared.tiers", "gold=200%; default=gold")
        .param("policy.shared.tier-key", "attribute:plan")
        .param("rule.a.paths", "/shared/*").param("rule.a.policy", "shared").param("rule.a.key", "header:X-User")
        .servlet("tiered", new Tiered(), "/tiered")
        .servlet("shared", new TestServlets.Counting(), "/shared/*")
        .start()) {
      assertThat(admitted(app, 10, "/tiered", "X-User", "u1", "X-Plan", "vip")).isEqualTo(6);
      assertThat(admitted(app, 10, "/tiered", "X-User", "u2")).as("no tier: the lowest, basic").isEqualTo(3);
      assertThat(admitted(app, 10, "/shared/x", "X-User", "u3")).as("default tier gold: 200% of 4").isEqualTo(8);
    }
  }

  /** Answers 500 without the error page machinery. */
  static final class Failing500 extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setStatus(500);
      resp.getWriter().print("broken");
    }
  }

  /** Step settings on a servlet's annotation. */
  @RateLimit(value = "3/hour", key = "header:X-User", tiers = "basic=100%; vip=6/hour",
      tierKey = "trusted:header:X-Plan")
  static final class Tiered extends TestServlets.Counting {
    private static final long serialVersionUID = 1L;
  }

  /** A penalty listener named by the {@code listener} init-param; the one test using it reads the events. */
  public static final class PenaltyEvents implements io.limiter.core.step.PenaltyListener {
    static final Queue<PenaltyEvent> EVENTS = new ConcurrentLinkedQueue<>();

    @Override
    public void onPenalty(PenaltyEvent event) {
      EVENTS.add(event);
    }
  }
}
