package io.limiter.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.Reservation;
import io.limiter.test.ManualTicker;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.FakeRequest;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import io.limiter.web.Rejection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The stack-neutral decision over a request that is no servlet request at all (a plain {@link HttpRequestView}, as
 * another stack's adapter would give): rules, keys, all-or-nothing refunds and the verdicts, on a manual clock.
 */
class RequestDeciderTest {

  private final ManualTicker ticker = new ManualTicker();
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory()).build();
  private final List<Reservation> held = new ArrayList<>();

  /** A request of no particular stack, from the peer 192.0.2.1. */
  private static FakeRequest request(String method, String path) {
    return new FakeRequest().method(method).path(path).peer("192.0.2.1");
  }

  private Binding rule(String name, String limits, String path, String key, MissingKeyStrategy missing) {
    RateLimiter limiter = registry.register(LimitPolicy.of(name, limits));
    KeyReference reference = KeyReference.parse(key);
    return new Binding("rule " + name, limiter, 1, reference.toResolver(ClientIpResolver.peerOnly()), reference,
        missing, List.of(PathPattern.compile(path, true)), Set.of(), null);
  }

  private RequestDecider decider(Binding... rules) {
    return new RequestDecider(List.of(rules), List.of(PathPattern.compile("/health", true)), false, 429, 401,
        (policy, key, permits, failure) -> {
          throw new AssertionError("the in-memory store does not fail", failure);
        });
  }

  private RequestDecider.Verdict decide(RequestDecider decider, HttpRequestView request) {
    return decider.decide(request, null, List::of, () -> held);
  }

  @Test
  void admitsUpToTheLimitPerKeyThenRejectsWithTheDecisions() {
    RequestDecider decider = decider(rule("api", "2/minute", "/api/*", "header:X-API-Key",
        MissingKeyStrategy.reject()));
    for (int i = 0; i < 2; i++) {
      RequestDecider.Verdict v = decide(decider, request("GET", "/api/data").header("X-API-Key", "k1"));
      assertThat(v.kind()).isEqualTo(RequestDecider.Kind.ADMITTED);
      assertThat(v.state().visible()).hasSize(1);
    }
    RequestDecider.Verdict rejected = decide(decider, request("GET", "/api//data/").header("X-API-Key", "k1"));
    assertThat(rejected.kind()).isEqualTo(RequestDecider.Kind.REJECTED);
    assertThat(rejected.rejection().reason()).isEqualTo(Rejection.Reason.RATE_LIMITED);
    assertThat(rejected.rejection().status()).isEqualTo(429);
    assertThat(rejected.state().keys()).containsExactly(Map.entry("api", "h:x-api-key:k1"));
    assertThat(decide(decider, request("GET", "/api/data").header("X-API-Key", "k2")).kind())
        .as("another key has its own bucket").isEqualTo(RequestDecider.Kind.ADMITTED);
  }

  @Test
  void exemptUnmatchedAndUnreadablePaths() {
    RequestDecider decider = decider(rule("api", "1/minute", "/*", "ip", MissingKeyStrategy.reject()));
    assertThat(decide(decider, request("GET", "/health")).kind()).isEqualTo(RequestDecider.Kind.PASS);
    RequestDecider.Verdict refused = decide(decider, request("GET", "/a%zz"));
    assertThat(refused.kind()).isEqualTo(RequestDecider.Kind.REFUSED);
    assertThat(refused.rejection().reason()).isEqualTo(Rejection.Reason.AMBIGUOUS_PATH);
    assertThat(decide(decider, request("GET", "/x")).kind()).isEqualTo(RequestDecider.Kind.ADMITTED);
    assertThat(decide(decider, request("GET", "/health/../x")).kind()).as("the same path, spelled otherwise")
        .isEqualTo(RequestDecider.Kind.REJECTED);
  }

  @Test
  void aMissingKeyRefundsWhatTheRequestHolds() {
    Binding open = rule("open", "1/minute", "/api/*", "ip", MissingKeyStrategy.reject());
    Binding keyed = rule("keyed", "5/minute", "/api/*", "header:X-API-Key", MissingKeyStrategy.reject());
    RequestDecider decider = decider(open, keyed);
    RequestDecider.Verdict missing = decide(decider, request("GET", "/api/a"));
    assertThat(missing.kind()).isEqualTo(RequestDecider.Kind.MISSING_KEY);
    assertThat(missing.rejection().status()).isEqualTo(401);
    assertThat(missing.missingKey()).isSameAs(keyed);
    assertThat(held).as("refunded and forgotten").isEmpty();
    assertThat(decide(decider, request("GET", "/api/a").header("X-API-Key", "k")).kind())
        .as("the refunded permit of the ip rule is there again").isEqualTo(RequestDecider.Kind.ADMITTED);
  }

  @Test
  void aRejectionRefundsTheOtherPoliciesOfTheRequest() {
    Binding wide = rule("wide", "10/minute", "/api/*", "ip", MissingKeyStrategy.reject());
    Binding narrow = rule("narrow", "1/minute", "/api/*", "global", MissingKeyStrategy.reject());
    RequestDecider decider = decider(wide, narrow);
    assertThat(decide(decider, request("GET", "/api/a")).kind()).isEqualTo(RequestDecider.Kind.ADMITTED);
    held.clear(); // the first request completed and keeps its permits
    for (int i = 0; i < 20; i++) {
      assertThat(decide(decider, request("GET", "/api/a")).kind()).isEqualTo(RequestDecider.Kind.REJECTED);
    }
    assertThat(held).isEmpty();
    assertThat(registry.find("wide").orElseThrow().forKey("ip:192.0.2.1").tryAcquire(9))
        .as("the rejected requests cost the wide policy nothing").isTrue();
  }

  @Test
  void aBindingIsChargedOncePerRequestAcrossDispatches() {
    RequestDecider decider = decider(rule("api", "1/minute", "/api/*", "ip", MissingKeyStrategy.reject()));
    RequestDecider.Verdict first = decide(decider, request("GET", "/api/a"));
    assertThat(first.kind()).isEqualTo(RequestDecider.Kind.ADMITTED);
    RequestDecider.Verdict forwarded = decider.decide(request("GET", "/api/b"), first.state(), List::of,
        () -> held);
    assertThat(forwarded.kind()).as("a forward under the same rule is free").isEqualTo(RequestDecider.Kind.PASS);
    assertThat(forwarded.state()).isSameAs(first.state());
  }

  // ---- the async form ---------------------------------------------------------------------------------------------

  private static Binding rule(RateLimiterRegistry in, String name, String limits, String path, String key,
      MissingKeyStrategy missing) {
    RateLimiter limiter = in.register(LimitPolicy.of(name, limits));
    KeyReference reference = KeyReference.parse(key);
    return new Binding("rule " + name, limiter, 1, reference.toResolver(ClientIpResolver.peerOnly()), reference,
        missing, List.of(PathPattern.compile(path, true)), Set.of(), null);
  }

  /** Rules of every kind of outcome: a wide and a narrow limit, a keyed rule, a shared bucket, a skipped key. */
  private RequestDecider mixedDecider(RateLimiterRegistry in) {
    return decider(rule(in, "wide", "20/minute", "/api/*", "ip", MissingKeyStrategy.reject()),
        rule(in, "keyed", "3/minute", "/api/keyed/*", "header:X-API-Key", MissingKeyStrategy.reject()),
        rule(in, "bucket", "4/minute", "/api/shared/*", "header:X-API-Key", MissingKeyStrategy.sharedBucket("anon")),
        rule(in, "optional", "2/minute", "/api/*", "header:X-Tenant", MissingKeyStrategy.skip()),
        rule(in, "narrow", "6/minute", "/api/*", "global", MissingKeyStrategy.reject()));
  }

  private static RequestDecider.Verdict now(java.util.concurrent.CompletionStage<RequestDecider.Verdict> stage) {
    java.util.concurrent.CompletableFuture<RequestDecider.Verdict> f = stage.toCompletableFuture();
    assertThat(f).as("the in-memory store decides before decideAsync returns").isDone();
    return f.join();
  }

  @Test
  void theAsyncFormGivesTheVerdictsOfTheSyncFormForTheSameHistory() {
    RateLimiterRegistry other = RateLimiterRegistry.builder()
        .store(RateLimitStore.builder().ticker(ticker).buildInMemory()).build();
    RequestDecider sync = mixedDecider(registry);
    RequestDecider async = mixedDecider(other);
    List<Reservation> asyncHeld = new ArrayList<>();
    java.util.Random random = new java.util.Random(16);
    String[] paths = {"/api/a", "/api/keyed/x", "/api/shared/y", "/health", "/a%zz", "/other"};
    java.util.EnumSet<RequestDecider.Kind> seen = java.util.EnumSet.noneOf(RequestDecider.Kind.class);
    for (int i = 0; i < 400; i++) {
      FakeRequest request = request("GET", paths[random.nextInt(paths.length)]);
      request.peer("192.0.2." + random.nextInt(3));
      if (random.nextBoolean()) {
        request.header("X-API-Key", "k" + random.nextInt(2));
      }
      if (random.nextInt(3) == 0) {
        request.header("X-Tenant", "t" + random.nextInt(2));
      }
      RequestDecider.Verdict expected = sync.decide(request, null, List::of, () -> held);
      RequestDecider.Verdict actual = now(async.decideAsync(request, null, List::of, () -> asyncHeld));
      seen.add(expected.kind());
      assertThat(actual.kind()).as("request %d", i).isEqualTo(expected.kind());
      assertThat(String.valueOf(actual.rejection())).as("request %d", i)
          .isEqualTo(String.valueOf(expected.rejection()));
      if (expected.state() != null) {
        assertThat(actual.state().keys()).isEqualTo(expected.state().keys());
        assertThat(actual.state().visible()).extracting(d -> d.policy().name(), d -> d.outcome(), d -> d.remaining())
            .isEqualTo(expected.state().visible().stream()
                .map(d -> org.assertj.core.groups.Tuple.tuple(d.policy().name(), d.outcome(), d.remaining()))
                .toList());
      }
      assertThat(asyncHeld).hasSameSizeAs(held);
      held.clear(); // the request completed and keeps its permits
      asyncHeld.clear();
      ticker.advance(java.time.Duration.ofMillis(random.nextInt(3000)));
    }
    assertThat(seen).as("the history reached every kind of verdict").isEqualTo(
        java.util.EnumSet.allOf(RequestDecider.Kind.class));
  }

  @Test
  void aRejectedRequestsHeldReservationsAreRefundedBeforeTheAsyncVerdictCompletes() {
    Binding wide = rule("wide", "10/minute", "/api/*", "ip", MissingKeyStrategy.reject());
    Binding narrow = rule("narrow", "1/minute", "/api/*", "global", MissingKeyStrategy.reject());
    RequestDecider decider = decider(wide, narrow);
    assertThat(now(decider.decideAsync(request("GET", "/api/a"), null, List::of, () -> held)).kind())
        .isEqualTo(RequestDecider.Kind.ADMITTED);
    held.clear();
    // what an earlier filter (or an aspect) of the request holds, refunded when a remote store answers
    RateLimiter earlier = registry.register(LimitPolicy.of("earlier", "1/minute"));
    Reservation inner = earlier.reserve("k", 1);
    java.util.concurrent.CompletableFuture<Void> remote = new java.util.concurrent.CompletableFuture<>();
    Reservation slow = Reservation.of(inner.decision(), "k", inner.policy(), 1, 0, new Reservation.Settler() {
      @Override
      public void settle(Reservation reservation, long actual) {
        inner.settle(actual);
      }

      @Override
      public java.util.concurrent.CompletionStage<Void> settleAsync(Reservation reservation, long actual) {
        return remote.thenRun(() -> inner.settle(actual));
      }
    });
    held.add(slow);
    java.util.concurrent.CompletableFuture<RequestDecider.Verdict> rejected = decider.decideAsync(
        request("GET", "/api/a"), null, List::of, () -> held).toCompletableFuture();
    assertThat(held).as("refunding and forgotten").isEmpty();
    assertThat(rejected).as("waits for the refund of what the request holds").isNotDone();
    remote.complete(null);
    assertThat(rejected).isDone();
    assertThat(rejected.join().kind()).isEqualTo(RequestDecider.Kind.REJECTED);
    assertThat(earlier.acquire("k", 1).allowed()).as("the earlier permit came back").isTrue();
    assertThat(registry.find("wide").orElseThrow().forKey("ip:192.0.2.1").tryAcquire(9))
        .as("the rejected request cost the wide policy nothing").isTrue();
  }

  @Test
  void theAsyncFormRefundsOnAMissingKeyAndChargesABindingOncePerRequest() {
    Binding open = rule("open", "1/minute", "/api/*", "ip", MissingKeyStrategy.reject());
    Binding keyed = rule("keyed", "5/minute", "/api/*", "header:X-API-Key", MissingKeyStrategy.reject());
    RequestDecider decider = decider(open, keyed);
    RequestDecider.Verdict missing = now(decider.decideAsync(request("GET", "/api/a"), null, List::of,
        () -> held));
    assertThat(missing.kind()).isEqualTo(RequestDecider.Kind.MISSING_KEY);
    assertThat(held).isEmpty();
    RequestDecider.Verdict first = now(decider.decideAsync(request("GET", "/api/a").header("X-API-Key", "k"),
        null, List::of, () -> held));
    assertThat(first.kind()).as("the refunded permit of the ip rule is there again")
        .isEqualTo(RequestDecider.Kind.ADMITTED);
    assertThat(now(decider.decideAsync(request("GET", "/api/b"), first.state(), List::of, () -> held)).kind())
        .as("a second dispatch under the same rules is free").isEqualTo(RequestDecider.Kind.PASS);
  }

  /**
   * Case-insensitive rules match the fold of every spelling: of a path already in lower case (matched as it is), of
   * one in capitals, of one whose letters fold to ASCII only through upper case, and of any spelling of several.
   */
  @Test
  void caseInsensitiveRulesMatchTheFoldOfEverySpelling() {
    RateLimiter limiter = registry.register(LimitPolicy.of("folded", "100/minute"));
    KeyReference reference = KeyReference.parse("ip");
    Binding rule = new Binding("rule folded", limiter, 1, reference.toResolver(ClientIpResolver.peerOnly()),
        reference, MissingKeyStrategy.reject(), List.of(PathPattern.compile("/Admin/*", false)), Set.of(), null);
    RequestDecider decider = new RequestDecider(List.of(rule), List.of(), true, 429, 401,
        (policy, key, permits, failure) -> {
          throw new AssertionError("the in-memory store does not fail", failure);
        });
    for (String path : List.of("/admin/x", "/ADMIN/X", "/adm%C4%B1n/x", "/x/..%2fadmin/y",
        "/other/%2e%2e/ADMIN/z")) {
      RequestDecider.Verdict sync = decide(decider, request("GET", path));
      RequestDecider.Verdict async = now(decider.decideAsync(request("GET", path), null, List::of, () -> held));
      assertThat(sync.kind()).as(path).isEqualTo(RequestDecider.Kind.ADMITTED);
      assertThat(async.kind()).as(path).isEqualTo(RequestDecider.Kind.ADMITTED);
      assertThat(async.state().keys()).as(path).containsExactly(Map.entry("folded", "ip:192.0.2.1"));
    }
    for (String path : List.of("/adminx", "/ADMINISTRATION/x", "/other")) {
      assertThat(decide(decider, request("GET", path)).kind()).as(path).isEqualTo(RequestDecider.Kind.PASS);
      assertThat(now(decider.decideAsync(request("GET", path), null, List::of, () -> held)).kind()).as(path)
          .isEqualTo(RequestDecider.Kind.PASS);
    }
  }

  /** What deciding throws after the claims are decided fails the async stage as a dependent stage fails it. */
  @Test
  void aFailureAfterTheClaimsFailsTheAsyncStageWrapped() {
    RequestDecider decider = decider(rule("api", "10/minute", "/api/*", "ip", MissingKeyStrategy.reject()));
    java.util.concurrent.CompletableFuture<RequestDecider.Verdict> failed = decider.decideAsync(
        request("GET", "/api/a"), null, List::of, () -> {
          throw new IllegalStateException("held");
        }).toCompletableFuture();
    assertThat(failed).isCompletedExceptionally();
    assertThatThrownBy(failed::join).isInstanceOf(java.util.concurrent.CompletionException.class)
        .hasCauseInstanceOf(IllegalStateException.class).hasRootCauseMessage("held");
    failed.whenComplete((v, e) -> assertThat(e).isInstanceOf(java.util.concurrent.CompletionException.class));
  }

  /** The applicable bindings are the matching rules in their order, then the target's own, whichever rules match. */
  @Test
  void theRulesThatApplyAreChargedInOrderThenTheTargetsBindings() {
    Binding a = rule("a", "100/minute", "/api/*", "ip", MissingKeyStrategy.reject());
    Binding b = rule("b", "100/minute", "/other/*", "ip", MissingKeyStrategy.reject());
    Binding c = rule("c", "100/minute", "/api/*", "ip", MissingKeyStrategy.reject());
    Binding own = rule("own", "100/minute", "/nowhere", "ip", MissingKeyStrategy.reject());
    Binding all = rule("all", "100/minute", "/**", "ip", MissingKeyStrategy.reject());
    RequestDecider decider = decider(a, b, c);
    RequestDecider everything = decider(all, a);
    record Case(RequestDecider decider, String path, List<Binding> target, List<String> charged) {
    }
    for (Case k : List.of(new Case(decider, "/api/x", List.of(), List.of("a", "c")),
        new Case(decider, "/other/x", List.of(), List.of("b")),
        new Case(decider, "/api/x", List.of(own), List.of("a", "c", "own")),
        new Case(decider, "/none", List.of(own), List.of("own")),
        new Case(everything, "/api/x", List.of(), List.of("all", "a")),
        new Case(everything, "/other/x", List.of(), List.of("all")),
        new Case(everything, "/api/x", List.of(own), List.of("all", "a", "own")))) {
      List<RequestDecider.Verdict> verdicts = List.of(k.decider().decide(request("GET", k.path()), null, k::target,
          () -> held), now(k.decider().decideAsync(request("GET", k.path()), null, k::target, () -> held)));
      for (RequestDecider.Verdict v : verdicts) {
        assertThat(v.kind()).as("%s", k).isEqualTo(RequestDecider.Kind.ADMITTED);
        assertThat(v.state().keys()).as("%s", k).extracting(Map.Entry::getKey)
            .containsExactlyElementsOf(k.charged());
      }
    }
    assertThat(decider.decide(request("GET", "/none"), null, List::of, () -> held).kind())
        .isEqualTo(RequestDecider.Kind.PASS);
  }

  /** A shadow policy over its limit admits; its decision is among the shadow ones, never the visible ones. */
  @Test
  void aShadowPolicyOverItsLimitAdmitsAndIsReportedApart() {
    RateLimiter limiter = registry.register(LimitPolicy.of("watch", "1/minute").toBuilder().shadow(true).build());
    KeyReference reference = KeyReference.parse("ip");
    Binding watch = new Binding("rule watch", limiter, 1, reference.toResolver(ClientIpResolver.peerOnly()),
        reference, MissingKeyStrategy.reject(), List.of(PathPattern.compile("/api/*", true)), Set.of(), null);
    RequestDecider decider = decider(watch, rule("api", "100/minute", "/api/*", "ip", MissingKeyStrategy.reject()));
    RequestDecider.Verdict first = decide(decider, request("GET", "/api/a"));
    assertThat(first.kind()).isEqualTo(RequestDecider.Kind.ADMITTED);
    assertThat(first.state().shadow()).isEmpty();
    for (RequestDecider.Verdict over : List.of(decide(decider, request("GET", "/api/a")),
        now(decider.decideAsync(request("GET", "/api/a"), null, List::of, () -> held)))) {
      assertThat(over.kind()).isEqualTo(RequestDecider.Kind.ADMITTED);
      assertThat(over.state().shadow()).singleElement().satisfies(d -> {
        assertThat(d.policy().name()).isEqualTo("watch");
        assertThat(d.outcome()).isEqualTo(io.limiter.core.Decision.Outcome.SHADOW_REJECTED);
      });
      assertThat(over.state().visible()).extracting(d -> d.policy().name()).containsExactly("api");
    }
  }

  /**
   * The bindings charged on each dispatch of a request are, whatever the rules and their order, the rules matching
   * the path that no earlier dispatch charged, in order, then the target's own not charged yet: a seeded random
   * history against that model, in both forms, over prefixes, gaps and state carried between dispatches.
   */
  @Test
  void eachDispatchChargesTheMatchingRulesNotChargedBeforeInOrderThenTheTargetsOwn() {
    String[] patterns = {"/api/*", "/other/*", "/**", "/api/x", "/nowhere"};
    String[] paths = {"/api/x", "/api/y", "/other/x", "/none"};
    java.util.Random random = new java.util.Random(1606);
    int[] names = {0};
    java.util.function.Function<String, Binding> make = pattern -> rule("r" + names[0]++, "100000/minute", pattern,
        "ip", MissingKeyStrategy.reject());
    for (int round = 0; round < 300; round++) {
      List<Binding> rules = new ArrayList<>();
      for (int n = random.nextInt(6); n > 0; n--) {
        rules.add(make.apply(patterns[random.nextInt(patterns.length)]));
      }
      List<Binding> target = new ArrayList<>();
      for (int n = random.nextInt(3); n > 0; n--) {
        target.add(make.apply("/nowhere")); // a target's own bindings are never path rules (annotations)
      }
      RequestDecider decider = decider(rules.toArray(Binding[]::new));
      boolean async = random.nextBoolean();
      RequestDecider.State state = null;
      List<Binding> charged = new ArrayList<>();
      for (int dispatch = 0; dispatch < 3; dispatch++) {
        String path = paths[random.nextInt(paths.length)];
        List<Binding> own = dispatch == 0 || random.nextBoolean() ? target : List.of();
        List<String> expected = new ArrayList<>();
        for (Binding r : rules) {
          if (!charged.contains(r) && r.appliesTo("GET", path)) {
            expected.add(r.limiter().policy().name());
            charged.add(r);
          }
        }
        for (Binding b : own) {
          if (!charged.contains(b)) {
            expected.add(b.limiter().policy().name());
            charged.add(b);
          }
        }
        int before = state == null ? 0 : state.keys().size();
        RequestDecider.State given = state;
        RequestDecider.Verdict v = async ? now(decider.decideAsync(request("GET", path), given, () -> own,
            () -> held)) : decider.decide(request("GET", path), given, () -> own, () -> held);
        String what = "round " + round + " dispatch " + dispatch + " " + path + " rules " + rules.size();
        if (expected.isEmpty()) {
          assertThat(v.kind()).as(what).isEqualTo(RequestDecider.Kind.PASS);
          assertThat(v.state()).as(what).isSameAs(given);
          continue;
        }
        assertThat(v.kind()).as(what).isEqualTo(RequestDecider.Kind.ADMITTED);
        state = v.state();
        assertThat(state.keys().subList(before, state.keys().size())).as(what).extracting(Map.Entry::getKey)
            .containsExactlyElementsOf(expected);
      }
      held.clear();
    }
  }
}
