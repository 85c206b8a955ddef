package io.limiter.core.step;

import static io.limiter.core.Decision.Outcome.ALLOWED;
import static io.limiter.core.Decision.Outcome.REJECTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import io.limiter.core.http.HeaderMode;
import io.limiter.core.http.RateLimitHeaders;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SteppedRateLimiterTest {

  private static final TierResolver<Map<String, String>> PLAN_HEADER = request -> request.get("X-Plan");

  private final Ticker.Manual ticker = Ticker.manual(Ticker.Manual.epochNanos(Instant.parse("2025-06-02T06:00:00Z")));
  private final RateLimitStore store = RateLimitStore.builder().ticker(ticker).executor(Runnable::run)
      .buildInMemory();

  private SteppedRateLimiter.Builder<Map<String, String>> limiter(String spec) {
    return limiter(LimitPolicy.of("api", spec));
  }

  private SteppedRateLimiter.Builder<Map<String, String>> limiter(LimitPolicy policy) {
    return SteppedRateLimiter.<Map<String, String>>builder(policy, store).clock(ticker.asClock(ZoneOffset.UTC))
        .ticker(ticker);
  }

  private static Map<String, String> plan(String plan) {
    Map<String, String> request = new HashMap<>();
    request.put("X-Plan", plan);
    return request;
  }

  /** Calls until the first rejection (at most {@code max} times) and returns how many were admitted. */
  private static <C> int admitted(SteppedRateLimiter<C> limiter, String key, C context, int max) {
    for (int i = 0; i < max; i++) {
      if (!limiter.tryAcquire(key, context, 1)) {
        return i;
      }
    }
    return max;
  }

  // ---- tiers ------------------------------------------------------------------------------------------------------

  @Test
  void eachRequestGetsTheLimitsOfItsTierAndUnknownTiersTheDeclaredDefault() {
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute")
        .tiers("free=10/minute; pro=1000/minute; partner=200%; internal=unlimited; default=free", "test")
        .tierResolver(PLAN_HEADER).build();

    assertThat(admitted(api, "alice", plan("free"), 5000)).isEqualTo(10);
    assertThat(admitted(api, "bob", plan("pro"), 5000)).isEqualTo(1000);
    assertThat(admitted(api, "carol", plan("PRO"), 5000)).as("tier names match case-insensitively").isEqualTo(1000);
    assertThat(admitted(api, "dave", plan("partner"), 5000)).isEqualTo(200);
    assertThat(admitted(api, "erin", plan("gold"), 5000)).as("unknown tier: the default").isEqualTo(10);
    assertThat(admitted(api, "frank", plan(null), 5000)).as("no tier: the default").isEqualTo(10);
    assertThat(admitted(api, "grace", null, 5000)).as("no request: the default").isEqualTo(10);
    assertThat(api.acquire("heidi")).returns(ALLOWED, Decision::outcome).returns(9L, Decision::remaining);
    assertThat(api.currentPolicy("pro").orElseThrow().spec()).isEqualTo(LimitSpec.parse("1000/minute"));
    assertThat(api.currentPolicy(null).orElseThrow().spec()).isEqualTo(LimitSpec.parse("10/minute"));
    assertThat(api.currentPolicy("internal")).isEmpty();
  }

  @Test
  void withoutADeclaredDefaultUnknownTiersGetTheLowestTier() {
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute")
        .tiers("pro=1000/minute; internal=unlimited; free=50%", null).tierResolver(PLAN_HEADER).build();
    assertThat(admitted(api, "a", plan("bogus"), 5000)).as("unknown: the lowest tier, not the policy's").isEqualTo(50);
    assertThat(admitted(api, "b", plan(null), 5000)).isEqualTo(50);
    assertThat(admitted(api, "c", plan("pro"), 5000)).isEqualTo(1000);
    assertThat(api.currentPolicy("bogus").orElseThrow().spec()).isEqualTo(LimitSpec.parse("50/minute"));
  }

  @Test
  void tiersWithoutALowestOneNeedADeclaredDefault() {
    assertThatThrownBy(() -> limiter("100/minute; 1000/day")
        .tiers("burst=200/minute; 1000/day; steady=50/minute; 5000/day", null).tierResolver(PLAN_HEADER).build())
        .isInstanceOf(RateLimitConfigException.class)
        .hasMessageContaining("have no lowest tier for requests whose tier is missing or unknown")
        .hasMessageContaining("name it with default=<tier>");
    assertThat(limiter("100/minute; 1000/day")
        .tiers("burst=200/minute; 1000/day; steady=50/minute; 5000/day; default=steady", null)
        .tierResolver(PLAN_HEADER).build().currentPolicy("x").orElseThrow().spec())
        .isEqualTo(LimitSpec.parse("50/minute; 5000/day"));
  }

  @Test
  void tierNamesFoldOnlyAsciiLetters() {
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute")
        .tiers("free=10/minute; internal=unlimited; key=1000/minute; default=free", null).tierResolver(PLAN_HEADER)
        .build();
    assertThat(admitted(api, "ascii", plan("INTERNAL"), 50)).as("ASCII case folds").isEqualTo(50);
    for (String lookAlike : List.of("\u0131nternal", "\u0130nternal", "\u0130NTERNAL", "internal\u200b",
        "\uff49nternal")) {
      assertThat(admitted(api, "u" + lookAlike, plan(lookAlike), 50)).as(lookAlike).isEqualTo(10);
      assertThat(api.currentPolicy(lookAlike)).as("what operators see for " + lookAlike)
          .hasValueSatisfying(p -> assertThat(p.spec()).isEqualTo(LimitSpec.parse("10/minute")));
    }
    assertThat(admitted(api, "kelvin", plan("\u212Aey"), 50)).as("the Kelvin sign is not k").isEqualTo(10);
    assertThat(api.currentPolicy("\u212Aey").orElseThrow().spec()).isEqualTo(LimitSpec.parse("10/minute"));
    assertThat(Tiers.parse("free=1/minute; key=2/minute").tier("\u212Aey")).isEmpty();
  }

  @Test
  void anUnlimitedTierSkipsTheStoreEntirely() {
    List<Decision> seen = new ArrayList<>();
    SteppedRateLimiter<Map<String, String>> api = limiter("1/minute").tiers("internal=unlimited", null)
        .tierResolver(PLAN_HEADER).listener(new RateLimitListener() {
          @Override
          public void onAllowed(String key, Decision decision) {
            seen.add(decision);
          }
        }).build();
    for (int i = 0; i < 10_000; i++) {
      assertThat(api.tryAcquire("ops", plan("internal"), 1)).isTrue();
    }
    Decision d = api.acquire("ops", plan("internal"));
    assertThat(d.outcome()).isEqualTo(ALLOWED);
    assertThat(d.unlimited()).isTrue();
    assertThat(d.remaining()).isEqualTo(Long.MAX_VALUE);
    assertThat(store.trackedKeys()).as("the store was never asked").isZero();
    assertThat(seen).hasSize(10_001).allMatch(Decision::unlimited);
    Map<String, String> headers = new HashMap<>();
    RateLimitHeaders.write(d, HeaderMode.BOTH, headers::put);
    assertThat(headers).as("no quota to advertise").isEmpty();
    assertThat(api.acquireAsync("ops", plan("internal"), 1).toCompletableFuture().join().unlimited()).isTrue();
  }

  // ---- schedules --------------------------------------------------------------------------------------------------

  @Test
  void aScheduledStepSwitchesEveryKeyAtTheBoundaryAndKeepsTheFractionOfTheBucketUsed() {
    // 2025-06-02 is a Monday; Berlin is UTC+2 in June
    ticker.set(Ticker.Manual.epochNanos(Instant.parse("2025-06-02T05:59:59Z")));
    SteppedRateLimiter<Map<String, String>> api = limiter("200/minute")
        .schedule("zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; default = 200/minute", "test").build();

    // 07:59:59 local: half of the 200/minute bucket used (a debt of 30 s)
    assertThat(admitted(api, "k", null, 100)).isEqualTo(100);
    assertThat(api.acquire("probe")).returns(ALLOWED, Decision::outcome).returns(199L, Decision::remaining);
    // 08:00:00: 1000/minute; 1 s refilled, so the debt is 29 s of the 60 s bucket: 31/60 of 1000 left
    ticker.advance(Duration.ofSeconds(1));
    assertThat(api.currentPolicy(null).orElseThrow().spec()).isEqualTo(LimitSpec.parse("1000/minute"));
    assertThat(admitted(api, "k", null, 5000)).isEqualTo(516);
    assertThat(admitted(api, "fresh", null, 5000)).isEqualTo(1000);

    // 19:59:59: 600 of 1000 used (36 s); 20:00:00: 200/minute with a debt of 35 s: 25/60 of 200 left
    ticker.set(Ticker.Manual.epochNanos(Instant.parse("2025-06-02T17:59:59Z")));
    assertThat(admitted(api, "m", null, 600)).isEqualTo(600);
    ticker.advance(Duration.ofSeconds(1));
    assertThat(admitted(api, "m", null, 5000)).isEqualTo(83);
    Decision next = api.acquire("m");
    // 59.9 s of debt + 300 ms > 60 s
    assertThat(next).returns(REJECTED, Decision::outcome).returns(Duration.ofMillis(200), Decision::retryAfter);
    assertThat(next.policy().spec()).isEqualTo(LimitSpec.parse("200/minute"));
  }

  @Test
  void aWindowKeepsItsCountAcrossAStepAndNeverAdmitsMoreThanTheHigherLimit() {
    ticker.set(Ticker.Manual.epochNanos(Instant.parse("2025-06-02T06:29:00Z"))); // 08:29 in Berlin
    SteppedRateLimiter<Map<String, String>> api = limiter(LimitPolicy.builder("api").limits("200/hour")
        .algorithm(Algorithm.FIXED_WINDOW).build())
        .schedule("zone=Europe/Berlin; Mon-Fri 08:30-20:30 = 1000/hour; default = 200/hour", "test").build();

    assertThat(admitted(api, "k", null, 150)).isEqualTo(150);
    ticker.advance(Duration.ofMinutes(1)); // 08:30, same hourly window
    assertThat(admitted(api, "k", null, 5000)).isEqualTo(850);

    ticker.set(Ticker.Manual.epochNanos(Instant.parse("2025-06-02T18:15:00Z"))); // 20:15
    assertThat(admitted(api, "m", null, 600)).isEqualTo(600);
    ticker.advance(Duration.ofMinutes(15)); // 20:30: 200/hour, 600 already counted in this window
    assertThat(admitted(api, "m", null, 5000)).isZero();
    assertThat(api.acquire("m")).returns(REJECTED, Decision::outcome)
        .returns(Duration.ofMinutes(30), Decision::retryAfter);
    ticker.advance(Duration.ofMinutes(30)); // 21:00: a new window
    assertThat(admitted(api, "m", null, 5000)).isEqualTo(200);
  }

  /** Every minute from {@code from} to {@code to}, one client takes all it can; returns the sum. */
  private int hammerEveryMinute(SteppedRateLimiter<Map<String, String>> api, String from, String to,
      Map<Instant, Integer> perMinute) {
    int total = 0;
    for (Instant t = Instant.parse(from); t.isBefore(Instant.parse(to)); t = t.plusSeconds(60)) {
      ticker.set(Ticker.Manual.epochNanos(t));
      int n = admitted(api, "night-owl", null, 1000);
      perMinute.put(t, n);
      total += n;
    }
    return total;
  }

  @Test
  void onDaylightSavingDaysTheScheduleFollowsTheWallClockWithExactCounts() {
    SteppedRateLimiter<Map<String, String>> api = limiter(LimitPolicy.builder("api").limits("100/minute")
        .algorithm(Algorithm.FIXED_WINDOW).build())
        .schedule("zone=Europe/Berlin; 01:00-03:00 = 10/minute; default = 100/minute", "test").build();
    Map<Instant, Integer> perMinute = new HashMap<>();

    // 2025-03-30, 00:00 CET to 04:00 CEST: 180 real minutes; 01:00-03:00 local is one real hour (00:00Z-01:00Z)
    assertThat(hammerEveryMinute(api, "2025-03-29T23:00:00Z", "2025-03-30T02:00:00Z", perMinute))
        .isEqualTo(60 * 10 + 120 * 100);
    assertThat(perMinute.get(Instant.parse("2025-03-29T23:59:00Z"))).isEqualTo(100);
    assertThat(perMinute.get(Instant.parse("2025-03-30T00:00:00Z"))).isEqualTo(10);
    assertThat(perMinute.get(Instant.parse("2025-03-30T00:59:00Z"))).isEqualTo(10);
    assertThat(perMinute.get(Instant.parse("2025-03-30T01:00:00Z"))).isEqualTo(100);

    // 2025-03-31, an ordinary day in CEST: 240 minutes, two of them hours at 10/minute
    assertThat(hammerEveryMinute(api, "2025-03-30T22:00:00Z", "2025-03-31T02:00:00Z", perMinute))
        .isEqualTo(120 * 10 + 120 * 100);

    // 2025-10-26, 00:00 CEST to 04:00 CET: 300 real minutes; 01:00-03:00 local is three real hours (23:00Z-02:00Z)
    assertThat(hammerEveryMinute(api, "2025-10-25T22:00:00Z", "2025-10-26T03:00:00Z", perMinute))
        .isEqualTo(180 * 10 + 120 * 100);
    assertThat(perMinute.get(Instant.parse("2025-10-25T22:59:00Z"))).isEqualTo(100);
    assertThat(perMinute.get(Instant.parse("2025-10-25T23:00:00Z"))).isEqualTo(10);
    assertThat(perMinute.get(Instant.parse("2025-10-26T01:00:00Z"))).as("02:00 CET, the second time").isEqualTo(10);
    assertThat(perMinute.get(Instant.parse("2025-10-26T01:59:00Z"))).isEqualTo(10);
    assertThat(perMinute.get(Instant.parse("2025-10-26T02:00:00Z"))).isEqualTo(100);
  }

  @Test
  void aScheduleOfPercentagesScalesEveryTier() {
    ticker.set(Ticker.Manual.epochNanos(Instant.parse("2025-06-07T10:00:00Z"))); // a Saturday
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute")
        .tiers("free=10/minute; pro=1000/minute", null).tierResolver(PLAN_HEADER)
        .schedule("zone=UTC; Sat Sun = 20%", null).build();
    assertThat(admitted(api, "a", plan("free"), 5000)).isEqualTo(2);
    assertThat(admitted(api, "b", plan("pro"), 5000)).isEqualTo(200);
    assertThat(admitted(api, "c", null, 5000)).as("no tier: the lowest").isEqualTo(2);
  }

  // ---- adaptive levels ----------------------------------------------------------------------------------------------

  @Test
  void aLevelChangeAppliesToEveryKeyAndKeepsItsState() {
    StepController health = StepController.builder("api-health").ticker(ticker).build();
    SteppedRateLimiter<Map<String, String>> api = limiter("1000/minute").controller(health).build();

    assertThat(admitted(api, "k", null, 600)).isEqualTo(600); // a debt of 36 s
    health.pin(3, "test"); // 25%: 250/minute, 240 ms per permit
    assertThat(api.currentPolicy(null).orElseThrow().spec()).isEqualTo(LimitSpec.parse("250/minute"));
    assertThat(admitted(api, "k", null, 5000)).as("(60 s - 36 s) / 240 ms").isEqualTo(100);
    assertThat(admitted(api, "other", null, 5000)).isEqualTo(250);
    health.pin(0, "test");
    assertThat(admitted(api, "k", null, 5000)).as("the bucket is empty at any level").isZero();
    ticker.advance(Duration.ofSeconds(6));
    assertThat(admitted(api, "k", null, 5000)).isEqualTo(100);
  }

  @Test
  void theControllersTicksMoveTheLimits() {
    StepController health = StepController.builder("api-health").ticker(ticker).downAfter(1).upAfter(1)
        .cooldown(Duration.ZERO).signal(new ScriptedSignal("s").then("UUH")).build();
    SteppedRateLimiter<Map<String, String>> api = limiter("100/second").controller(health).build();
    List<String> specs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      health.tick(ticker.read());
      specs.add(api.currentPolicy(null).orElseThrow().spec().toString());
    }
    assertThat(specs).containsExactly("75/second", "50/second", "75/second");
  }

  // ---- penalty box --------------------------------------------------------------------------------------------------

  @Test
  void aClientRejectedTooOftenIsBlockedForExactlyThePenaltyAndTheStoreIsNotAsked() {
    List<PenaltyEvent> events = new ArrayList<>();
    SteppedRateLimiter<Map<String, String>> api = limiter("2/minute")
        .penalty("3/minute -> block for 10 minutes", "test").penaltyListener(events::add).build();
    long t0 = ticker.read();
    assertThat(api.tryAcquire("k", null, 1)).isTrue();
    assertThat(api.tryAcquire("k", null, 1)).isTrue();
    for (int i = 0; i < 3; i++) {
      assertThat(api.acquire("k")).returns(REJECTED, Decision::outcome);
    }
    assertThat(events).isEmpty();
    ticker.advance(Duration.ofSeconds(10));
    long enter = ticker.read();
    Decision fourth = api.acquire("k");
    assertThat(fourth).returns(REJECTED, Decision::outcome).returns(Duration.ofSeconds(20), Decision::retryAfter);
    assertThat(events).extracting(PenaltyEvent::type, PenaltyEvent::atNanos, PenaltyEvent::untilNanos)
        .containsExactly(tuple(PenaltyEvent.Type.ENTERED, enter, enter + Duration.ofMinutes(10).toNanos()));

    ticker.advance(Duration.ofMinutes(5)); // the bucket is full again, but the client is boxed
    Decision boxed = api.acquire("k");
    assertThat(boxed).returns(REJECTED, Decision::outcome).returns(0L, Decision::remaining)
        .returns(Duration.ofMinutes(5), Decision::retryAfter);
    assertThat(api.tryAcquire("k", null, 1)).isFalse();
    assertThat(api.penaltyBox().orElseThrow().isBoxed("k")).isTrue();
    assertThat(api.tryAcquire("someone-else", null, 1)).isTrue();

    ticker.set(enter + Duration.ofMinutes(10).toNanos() - 1);
    assertThat(api.acquire("k")).returns(REJECTED, Decision::outcome)
        .returns(Duration.ofNanos(1), Decision::retryAfter);
    ticker.advanceNanos(1);
    assertThat(api.acquire("k")).returns(ALLOWED, Decision::outcome);
    assertThat(events).extracting(PenaltyEvent::type, PenaltyEvent::atNanos).containsExactly(
        tuple(PenaltyEvent.Type.ENTERED, enter),
        tuple(PenaltyEvent.Type.EXITED, enter + Duration.ofMinutes(10).toNanos()));
    assertThat(t0).isLessThan(enter);
  }

  @Test
  void aPenaltyCanScaleTheClientsLimitsInstead() {
    SteppedRateLimiter<Map<String, String>> api = limiter("10/minute")
        .penalty("1/minute -> 20% for 1 hour", "test").build();
    assertThat(admitted(api, "k", null, 100)).isEqualTo(10);
    assertThat(api.tryAcquire("k", null, 1)).isFalse(); // second rejection: boxed
    ticker.advance(Duration.ofMinutes(1)); // refilled, but at 2/minute now
    assertThat(admitted(api, "k", null, 100)).isEqualTo(2);
    Decision d = api.acquire("k");
    assertThat(d.outcome()).isEqualTo(REJECTED);
    assertThat(d.policy().spec()).isEqualTo(LimitSpec.parse("2/minute"));
    assertThat(admitted(api, "fresh", null, 100)).isEqualTo(10);
  }

  @Test
  void shadowModeReportsButLetsEverythingThrough() {
    List<Decision> rejected = new ArrayList<>();
    SteppedRateLimiter<Map<String, String>> api = limiter(LimitPolicy.builder("api").limits("1/minute").shadow(true)
        .build()).penalty("1/minute -> block for 1m", "test").listener(new RateLimitListener() {
          @Override
          public void onRejected(String key, Decision decision) {
            rejected.add(decision);
          }
        }).build();
    for (int i = 0; i < 5; i++) {
      assertThat(api.tryAcquire("k", null, 1)).isTrue();
    }
    assertThat(rejected).hasSize(4).allMatch(d -> d.outcome() == Decision.Outcome.SHADOW_REJECTED);
    assertThat(api.penaltyBox().orElseThrow().isBoxed("k")).as("the box reports what it would do").isTrue();
  }

  // ---- combination and API ------------------------------------------------------------------------------------------

  @Test
  void tierScheduleLevelAndPenaltyMultiply() {
    ticker.set(Ticker.Manual.epochNanos(Instant.parse("2025-06-07T10:00:00Z"))); // a Saturday
    // the controller's ceiling is 50%: penalties count at the ceiling, and multiply with it
    StepController health = StepController.builder("h").ticker(ticker).levels(1.0, 0.5, 0.25).ceiling(0.5).build();
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute")
        .tiers("pro=1000/minute", null).tierResolver(PLAN_HEADER)
        .schedule("zone=UTC; weekends = 40%", null)
        .controller(health)
        .penalty("1/minute -> 50% for 1h", null).build();
    assertThat(api.currentPolicy("pro").orElseThrow().spec()).isEqualTo(LimitSpec.parse("200/minute"));
    assertThat(admitted(api, "p", plan("pro"), 5000)).isEqualTo(200);
    assertThat(api.tryAcquire("p", plan("pro"), 1)).isFalse(); // 2nd rejection: boxed at 50% of that
    ticker.advance(Duration.ofMinutes(1));
    assertThat(admitted(api, "p", plan("pro"), 5000)).isEqualTo(100);
  }

  @Test
  void percentagesScaleToTheNumberAPersonExpects() {
    StepController health = StepController.builder("h").ticker(ticker).levels(1.0, 0.1).build();
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute").tiers("odd=29%; partner=70%", null)
        .tierResolver(PLAN_HEADER).controller(health).build();
    assertThat(api.currentPolicy("odd").orElseThrow().spec()).hasToString("29/minute");
    health.pin(1, "test");
    assertThat(api.currentPolicy("partner").orElseThrow().spec()).as("70% of 10%").hasToString("7/minute");
  }

  @Test
  void asyncBoundAndPlainCallsDecideTheSame() throws Exception {
    StepController health = StepController.builder("h").ticker(ticker).build();
    SteppedRateLimiter<Map<String, String>> api = limiter("4/minute").controller(health).build();
    assertThat(api.name()).isEqualTo("api");
    assertThat(api.policy()).isEqualTo(LimitPolicy.of("api", "4/minute"));
    assertThat(api.controller()).contains(health);
    assertThat(api.schedule()).isEmpty();
    assertThat(api.tiers()).isEmpty();
    assertThat(api.penaltyBox()).isEmpty();
    health.pin(2, "test");
    assertThat(api.acquireAsync("k", 1).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .returns(ALLOWED, Decision::outcome).returns(1L, Decision::remaining);
    assertThat(api.forKey("k").acquire()).returns(ALLOWED, Decision::outcome).returns(0L, Decision::remaining);
    assertThat(api.forKey("k").tryAcquire()).isFalse();
    assertThat(api.tryAcquire("k", 1)).isFalse();
    assertThat(api.acquire("k", 1)).returns(REJECTED, Decision::outcome);
    assertThatThrownBy(() -> api.acquire("k", null, 0)).hasMessage("permits must be >= 1 but was 0");
    assertThatThrownBy(() -> api.acquire(" ", null, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThat(api.toString()).isEqualTo("SteppedRateLimiter{LimitPolicy{api: 4/minute, TOKEN_BUCKET, FAIL_OPEN}, "
        + "controller h}");
  }

  @Test
  void aRemoteStoreGetsTheEffectiveLimitsWithEachDecision() {
    // a store that only implements the required KeySpace methods, as a remote store might: the stepped limiter goes
    // through KeySpace.view's default, which passes the effective policy with every decision
    List<String> sent = new ArrayList<>();
    RateLimitStore remote = new RateLimitStore() {
      @Override
      public KeySpace keySpace(LimitPolicy policy) {
        KeySpace local = store.keySpace(policy);
        return new KeySpace() {
          @Override
          public LimitPolicy policy() {
            return policy;
          }

          @Override
          public Decision acquire(String key, long permits) {
            return acquire(key, permits, policy);
          }

          @Override
          public Decision acquire(String key, long permits, LimitPolicy effective) {
            sent.add(effective.spec().toString());
            return local.acquire(key, permits, effective);
          }
        };
      }

      @Override
      public long trackedKeys() {
        return -1;
      }
    };
    StepController health = StepController.builder("h").ticker(ticker).build();
    SteppedRateLimiter<Object> api = SteppedRateLimiter.builder(LimitPolicy.of("api", "100/minute"), remote)
        .controller(health).build();
    assertThat(api.tryAcquire("k")).isTrue();
    health.pin(4, "test");
    assertThat(api.acquire("k")).returns(ALLOWED, Decision::outcome).returns(8L, Decision::remaining);
    assertThat(api.acquireAsync("k", 1).toCompletableFuture().join()).returns(ALLOWED, Decision::outcome)
        .returns(7L, Decision::remaining);
    assertThat(sent).containsExactly("100/minute", "10/minute", "10/minute");
  }

  @Test
  void everyConfigurationProblemIsReportedAtOnce() {
    LimitPolicy policy = LimitPolicy.builder("api").limits("100/minute").algorithm(Algorithm.FIXED_WINDOW).cost(30)
        .build();
    StepController health = StepController.builder("h").build();
    assertThatThrownBy(() -> limiter(policy)
        .tiers("free=10/hour; pro=100/second; 1000/minute; gold=200/minute", "init-param limiter.api.tiers")
        .schedule("zone=UTC; Mon = 1000/minit", "init-param limiter.api.schedule")
        .penalty("5/minute -> block", "init-param limiter.api.penalty")
        .controller(health).build())
        .isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "init-param limiter.api.schedule: invalid schedule spec \"zone=UTC; Mon = 1000/minit\" at position 21: "
                + "unknown unit \"minit\"; expected one of "
                + "ms, millisecond(s), s, sec(s), second(s), m, min(s), minute(s), "
                + "h, hr(s), hour(s), d, day(s), w, week(s), mo, month(s), y, yr(s), year(s)",
            "init-param limiter.api.penalty: invalid penalty spec \"5/minute -> block\" at position 17: no \"for "
                + "<duration>\"; expected <count>/<period> -> <block | percentage | rate> for <duration>, such as "
                + "5/minute -> block for 10m",
            "policy api has tiers (free=10/hour; pro=100/second; 1000/minute; gold=200/minute) but no tier resolver "
                + "to pick one per request",
            "policy api: tier free has limit 10/hour where the policy has 100/minute; FIXED_WINDOW counts per window, "
                + "so every step must keep the policy's periods (or use TOKEN_BUCKET)",
            "policy api: tier pro has 2 limits (100/second; 1000/minute) but the policy has 1 (100/minute); every "
                + "step must have as many limits as the policy, in the same order, because they share the state of "
                + "each client",
            "policy api: tier gold, level 10%: cost 30 of policy api exceeds the capacity 20 of limit 20/minute; "
                + "every request would be rejected"));
  }

  @Test
  void aStepMustWarmUpTheSameLimitsAsThePolicy() {
    assertThatThrownBy(() -> limiter("100/minute warmup 1m").tiers("pro=1000/minute", null).tierResolver(PLAN_HEADER)
        .build())
        .hasMessage("policy api: tier pro has limit 1000/minute where the policy has 100/minute warmup 1m; a limit "
            + "that warms up keeps a second word of state per client, so every step must warm up the same limits as "
            + "the policy (\"warmup <period>\" on both or neither)");
    // a tier that warms up too, and percentages, which keep the warm-up, share the clients' state
    SteppedRateLimiter<Map<String, String>> api = limiter("100/minute warmup 1m")
        .tiers("pro=1000/minute warmup 30s; free=50%", null).tierResolver(PLAN_HEADER).build();
    // cold, pro's bucket of 1000 admits 750 at once: 250 permits cost the 30 s warm-up, 500 more at 60 ms fill it
    assertThat(admitted(api, "b", plan("pro"), 5000)).isEqualTo(750);
  }

  @Test
  void aTierAndAScheduleMayNotBothReplaceTheLimits() {
    assertThatThrownBy(() -> limiter("100/minute").tiers("pro=1000/minute", null).tierResolver(PLAN_HEADER)
        .schedule("zone=UTC; Sat Sun = 50/minute", null).build())
        .hasMessage("policy api: tier pro replaces the limits (1000/minute) and schedule entry \"Sat Sun\" replaces "
            + "them too (50/minute); one of them must scale the other with a percentage such as 20%");
    assertThatThrownBy(() -> limiter("100/minute").tierResolver(PLAN_HEADER).build())
        .hasMessage("policy api has a tier resolver but no tiers");
  }
}
