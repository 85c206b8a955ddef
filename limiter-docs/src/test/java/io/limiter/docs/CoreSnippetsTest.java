package io.limiter.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.KeySpace;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import io.limiter.core.LimitSpecException;
import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.test.ManualPacer;
import io.limiter.test.ManualTicker;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The core blocks of README.md and docs/core.md, and the pages' dependency and module listings: Java blocks are the
 * regions below, run here; the grammar's literals each parse; every dependency block names a published module at the
 * project's version; the architecture page lists exactly the build's modules.
 */
class CoreSnippetsTest {

  private static Decision readmeCoreApi(String clientIp) {
    // tag::readme-core-api[]
    RateLimitStore store = RateLimitStore.inMemory();          // bounded: 1,000,000 keys by default
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "10/second; 1000/hour"), store);

    Decision d = limiter.acquire(clientIp);                    // or limiter.tryAcquire(clientIp) -> boolean
    if (d.rejected()) {
      // 429 with Retry-After = ceil(d.retryAfter()); RateLimitHeaders.write(...) formats all fields
    }
    // end::readme-core-api[]
    return d;
  }

  private static LimitPolicy policyBuilder() {
    // tag::policy-builder[]
    LimitPolicy policy = LimitPolicy.builder("orders")
        .limits("10/minute; 100/hour")   // all limits decided and charged atomically
        .algorithm(Algorithm.TOKEN_BUCKET) // default
        .cost(1)                           // default permits per request
        .shadow(false)                     // true: report, don't enforce
        .failureMode(FailureMode.FAIL_OPEN) // what a failing remote store does
        .build();
    // end::policy-builder[]
    return policy;
  }

  private static Decision paced(RateLimiter partner) throws InterruptedException {
    // tag::acquire-wait[]
    // RateLimiter partner = RateLimiter.of(LimitPolicy.of("partner", "10/second burst 1"), store);
    Decision d = partner.acquire("global", 1, Duration.ofSeconds(2)); // waits for its slot, at most 2 s
    if (d.rejected()) {
      // the earliest slot is more than 2 s away: nothing was taken; d.retryAfter() says how far
    }
    CompletableFuture<Decision> later = partner.acquireAsync("global", 1, Duration.ofSeconds(2));
    // completes on the pacer's executor when its slot comes; later.cancel(false) gives the slot back
    // end::acquire-wait[]
    return later.join();
  }

  @Test
  void theWaitingCallsOfCoreMdTakeConsecutiveSlots() throws Exception {
    ManualTicker ticker = new ManualTicker();
    ManualPacer pacer = new ManualPacer(ticker);
    RateLimiter partner = RateLimiter.of(LimitPolicy.of("partner", "10/second burst 1"),
        RateLimitStore.builder().ticker(ticker).buildInMemory(), null, pacer);
    CompletableFuture<Decision> result = CompletableFuture.supplyAsync(() -> {
      try {
        return paced(partner);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    // the first call takes the bucket's permit at once, the asynchronous one the slot 100 ms later
    while (pacer.scheduled() == 0) {
      Thread.onSpinWait();
    }
    assertThat(result).isNotDone();
    pacer.advance(Duration.ofMillis(100));
    assertThat(result.get(60, TimeUnit.SECONDS).allowed()).isTrue();
  }

  private static LimitPolicy warmupPolicy() {
    // tag::warmup[]
    // the same as LimitPolicy.of("partner", "10/second burst 1 warmup 2s")
    LimitPolicy partner = LimitPolicy.builder("partner")
        .limits(Limit.of(10, Duration.ofSeconds(1), 1).withWarmup(Duration.ofSeconds(2)))
        .build();
    // end::warmup[]
    return partner;
  }

  @Test
  void theWarmUpOfCoreMdSchedulesTheTimelineItShows() {
    LimitPolicy partner = warmupPolicy();
    assertThat(partner).isEqualTo(LimitPolicy.of("partner", "10/second burst 1 warmup 2s"));
    List<String> rows = DocBlock.of("docs/core.md#warmup-timeline").lines();
    List<Long> documented = new ArrayList<>();
    for (String cell : rows.get(1).substring("slot ms".length()).trim().split("\\s+")) {
      documented.add(Long.parseLong(cell));
    }
    ManualTicker ticker = new ManualTicker();
    try (RateLimitStore store = RateLimitStore.builder().ticker(ticker).buildInMemory()) {
      KeySpace space = store.keySpace(partner);
      List<Long> slots = new ArrayList<>();
      for (int i = 0; i < documented.size(); i++) {
        long wait = space.schedule("global", 1, TimeUnit.SECONDS.toNanos(5)).waitNanos();
        slots.add(TimeUnit.NANOSECONDS.toMillis(wait));
      }
      assertThat(slots).isEqualTo(documented);
      assertThat(rows.get(0).trim().split("\\s+")).hasSize(documented.size() + 1);
      // idle for the warm-up period after the last slot's permit: cold again
      ticker.advanceNanos(TimeUnit.MILLISECONDS.toNanos(documented.get(documented.size() - 1) + 100 + 2000));
      assertThat(space.schedule("global", 1, 0).granted()).isTrue();
      assertThat(space.schedule("global", 1, TimeUnit.SECONDS.toNanos(5)).waitNanos())
          .isEqualTo(TimeUnit.MILLISECONDS.toNanos(290));
    }
    assertThatThrownBy(() -> LimitPolicy.builder("api").limits("10/second warmup 30s")
        .algorithm(Algorithm.FIXED_WINDOW).build())
        .hasMessage(DocBlock.of("docs/core.md#warmup-window").body().strip());
  }

  private static List<PolicyChange> replacePolicies(RateLimiterRegistry registry) {
    // tag::replace-policy[]
    RateLimiter api = registry.limiter("api");              // holders keep this limiter across changes
    registry.addChangeListener(change -> System.out.println(change));
    PolicyChange raised = registry.replace(LimitPolicy.of("api", "100/minute")); // was 10/minute: same shape
    // raised.stateKept() == true: every client keeps its bucket, read under 100/minute from the next call on
    List<PolicyChange> changes = registry.replaceAll(List.of(  // checked whole, then applied as one change
        LimitPolicy.of("api", "5/second"),                     // another period: every client starts fresh
        LimitPolicy.of("search", "20/second")));               // added
    // end::replace-policy[]
    List<PolicyChange> all = new ArrayList<>(List.of(raised));
    all.addAll(changes);
    assertThat(api.policy().spec().toString()).isEqualTo("5/second");
    return all;
  }

  @Test
  void theRuntimeChangesOfCoreMdKeepOrResetStateAsTheySay() {
    RateLimiterRegistry registry = RateLimiterRegistry.builder().policy(LimitPolicy.of("api", "10/minute")).build();
    List<PolicyChange> changes = replacePolicies(registry);
    assertThat(changes).extracting(PolicyChange::stateKept).containsExactly(true, false, false);
    assertThat(changes.get(2).previous()).isNull();
  }

  private static void streamTheCompletion() {
  }

  private static void concurrency(RateLimitStore store, String apiKey) {
    // tag::concurrency[]
    RateLimiter inFlight = RateLimiter.of(LimitPolicy.of("chat-streams", "5 concurrent"), store);
    Reservation permit = inFlight.reserve(apiKey, 1);
    if (permit.allowed()) {
      try {
        streamTheCompletion();
      } finally {
        permit.refund();                                  // the call ended: its permit goes back
      }
    }
    // end::concurrency[]
  }

  @Test
  void aConcurrencyPermitGoesBackWhenTheCallEnds() {
    RateLimitStore store = RateLimitStore.builder().ticker(new io.limiter.test.ManualTicker()).buildInMemory();
    for (int i = 0; i < 20; i++) {
      concurrency(store, "a:k1"); // sequential calls: each returns its permit, so none is ever refused
    }
    RateLimiter inFlight = RateLimiter.of(LimitPolicy.of("chat-streams", "5 concurrent"), store);
    assertThat(inFlight.reserve("a:k1", 5).allowed()).as("all five permits are back").isTrue();
  }

  /** A request limited per API key in requests and in tokens, taken all or nothing. */
  private static boolean claims(RateLimiter requests, RateLimiter tokens, String apiKey, long estimate) {
    // tag::claims[]
    List<Reservation> taken = Claim.reserveAll(List.of(
        requests.claim(apiKey, 1),
        tokens.claim(apiKey, estimate)));
    boolean admitted = taken.stream().noneMatch(r -> r.decision().rejected());
    // admitted: every reservation holds its permits (settle each later);
    // rejected: none holds any, and the claims after the rejecting one were not decided
    // end::claims[]
    return admitted;
  }

  @Test
  void claimsAreTakenAllOrNothing() {
    RateLimitStore store = RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
    RateLimiter requests = RateLimiter.of(LimitPolicy.of("chat-requests", "20/minute"), store);
    RateLimiter tokens = RateLimiter.of(LimitPolicy.of("chat-tokens", "10000/minute; 1000000/day"), store);
    assertThat(claims(requests, tokens, "key:k1", 6000)).isTrue();
    assertThat(claims(requests, tokens, "key:k1", 6000)).as("the token budget rejects").isFalse();
    assertThat(requests.acquire("key:k1", 19).allowed()).as("the rejected request's permit came back").isTrue();
  }

  @Test
  void aTokenBudgetsFieldsCountTokensWithoutAQuotaUnit() {
    RateLimitStore store = RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
    RateLimiter tokens = RateLimiter.of(LimitPolicy.of("chat-tokens", "10000/minute; 1000000/day"), store);
    Reservation reserved = tokens.reserve("key:k1", 2000);
    java.util.Map<String, String> fields = new java.util.LinkedHashMap<>();
    io.limiter.core.http.RateLimitHeaders.write(List.of(reserved.decision()), io.limiter.core.http.HeaderMode.IETF,
        fields::put);
    StringBuilder shown = new StringBuilder();
    fields.forEach((name, value) -> shown.append(name).append(": ").append(value).append('\n'));
    assertThat(shown.toString().strip()).isEqualTo(DocBlock.of("docs/core.md#token-budget-fields").body().strip());
    assertThat(shown.toString()).doesNotContain("qu=");
  }

  @Test
  void aMovingWindowAboveTheLargestLogFailsWithThePagesMessage() {
    assertThatThrownBy(() -> LimitPolicy.builder("chat").limits("20000/hour").algorithm(Algorithm.MOVING_WINDOW)
        .build()).hasMessage(DocBlock.of("docs/core.md#moving-window").body().strip());
    assertThat(LimitPolicy.builder("chat").limits(Algorithm.MOVING_WINDOW_MAX_PERMITS + "/hour")
        .algorithm(Algorithm.MOVING_WINDOW).build().limits().get(0).permits()).isEqualTo(10_000);
  }

  @Test
  void theReadmeCoreApiAdmitsAFirstCall() {
    assertThat(readmeCoreApi("ip:192.0.2.1").allowed()).isTrue();
  }

  @Test
  void thePolicyBuilderSaysWhatItsCommentsSay() {
    LimitPolicy policy = policyBuilder();
    assertThat(policy.limits()).hasSize(2);
    assertThat(policy.algorithm()).isEqualTo(Algorithm.TOKEN_BUCKET)
        .isEqualTo(LimitPolicy.of("x", "1/second").algorithm());
    assertThat(policy.cost()).isEqualTo(1).isEqualTo(LimitPolicy.of("x", "1/second").cost());
    assertThat(policy.failureMode()).isEqualTo(FailureMode.FAIL_OPEN);
  }

  @Test
  void everyLiteralOfTheGrammarParsesWhereTheGrammarPutsIt() {
    String grammar = DocBlock.of("docs/core.md#grammar").body();
    List<String> separators = literals(grammar.lines().filter(l -> l.startsWith("spec")).findFirst().orElseThrow());
    List<String> member = literals(grammar.lines().filter(l -> l.startsWith("member")).findFirst().orElseThrow());
    assertThat(separators).containsExactly(";", ",", "|");
    for (String separator : separators) {
      assertThat(LimitSpec.parse("5/second" + separator + " 100/hour").limits()).as(separator).hasSize(2);
    }
    assertThatThrownBy(() -> LimitSpec.parse("5/second & 100/hour")).isInstanceOf(LimitSpecException.class);
    // member: count ( "/" / "per" ) [ multiplier ] unit [ "burst" count ] [ "warmup" duration ]
    assertThat(member).containsExactly("/", "per", "burst", "warmup");
    assertThat(LimitSpec.parse("5 per 10 seconds warmup 1 minute burst 20").limits().get(0).warmup())
        .isEqualTo(Duration.ofMinutes(1));
    List<String> concurrency = literals(grammar.lines().filter(l -> l.startsWith("concurrency")).findFirst()
        .orElseThrow());
    assertThat(concurrency).containsExactly("concurrent", "lease");
    assertThat(LimitSpec.parse("5 concurrent lease 10 seconds").limits().get(0).isConcurrent()).isTrue();
    assertThatThrownBy(() -> LimitSpec.parse("5 concurrent; 5/second")).isInstanceOf(LimitSpecException.class);
    assertThat(LimitSpec.parse("5 per 10 seconds burst 20").limits()).hasSize(1);
    assertThat(LimitSpec.parse("5/10s").limits()).hasSize(1);
  }

  private static List<String> literals(String rule) {
    List<String> out = new ArrayList<>();
    Matcher m = Pattern.compile("\"([^\"]+)\"").matcher(rule);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  @Test
  void everyDependencyBlockNamesAPublishedModuleAtTheProjectsVersion() {
    String version = tag(Repository.read(Repository.root().resolve("pom.xml")), "version");
    for (String reference : List.of("docs/redis.md#dependency", "docs/servlet.md#dependency",
        "docs/spring.md#dependency", "docs/gateway.md#dependency")) {
      String xml = DocBlock.of(reference).body();
      assertThat(tag(xml, "groupId")).as(reference).isEqualTo("io.limiter");
      assertThat(tag(xml, "version")).as(reference).isEqualTo(version);
      String artifact = tag(xml, "artifactId");
      var pom = Repository.root().resolve(artifact).resolve("pom.xml");
      assertThat(pom).as(reference + ": a module " + artifact).exists();
      assertThat(Repository.read(pom)).as(reference + ": published").doesNotContain("<maven.deploy.skip>true");
    }
  }

  private static String tag(String xml, String name) {
    Matcher m = Pattern.compile("<" + name + ">([^<]+)</" + name + ">").matcher(xml);
    assertThat(m.find()).as("<%s> in %s", name, xml).isTrue();
    return m.group(1).trim();
  }

  @Test
  void theArchitecturePageListsExactlyTheBuildsModules() throws Exception {
    List<String> listed = DocBlock.of("docs/architecture.md#modules").lines().stream()
        .filter(l -> !l.startsWith(" ")).map(l -> l.split("\\s+")[0]).toList();
    for (String entry : listed) {
      assertThat(Repository.root().resolve(entry)).as("listed in docs/architecture.md").exists();
    }
    Matcher modules = Pattern.compile("<module>([^<]+)</module>")
        .matcher(Files.readString(Repository.root().resolve("pom.xml")));
    while (modules.find()) {
      String module = modules.group(1);
      String top = module.contains("/") ? module.substring(0, module.indexOf('/') + 1) : module + "/";
      assertThat(listed).as("docs/architecture.md lists the module " + module).contains(top);
    }
  }

  /** A model's answer, as the reserve-and-settle snippet reads it. */
  record Usage(long totalTokens) {
  }

  /** A completion with its usage. */
  record Completion(Usage usage) {
  }

  private static Completion callTheModel(String prompt) {
    return new Completion(new Usage(prompt.length()));
  }

  private static void reserveAndSettle(RateLimiter limiter, String apiKey, String prompt) {
    // tag::reserve-settle[]
    Reservation r = limiter.reserve(apiKey, 500);      // an estimate; r.allowed() as Decision.allowed()
    if (r.allowed()) {
      Completion c = callTheModel(prompt);
      r.settle(c.usage().totalTokens());                 // refunds or charges the difference
    }
    // r.refund() = settle(0); r.commit() = settle(r.permits()), which costs nothing
    // end::reserve-settle[]
  }

  @Test
  void aReservationSettlesToWhatTheCallUsed() {
    io.limiter.test.ManualTicker ticker = new io.limiter.test.ManualTicker();
    RateLimiter limiter = RateLimiter.of(LimitPolicy.of("tokens", "1000/minute"),
        RateLimitStore.builder().ticker(ticker).buildInMemory());
    reserveAndSettle(limiter, "a:k1", "x".repeat(100)); // reserves 500, settles to 100
    assertThat(limiter.reserve("a:k1", 900).allowed()).as("900 of the 1000 are left").isTrue();
    assertThat(limiter.acquire("a:k1").rejected()).isTrue();
  }
}
