package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.core.ScheduledPermits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * AUTH and ACL users against a real server with {@code requirepass}: the store works through a user that has
 * exactly the rights of the minimal ACL line printed in docs/redis.md (read from the page, so the page cannot drift),
 * fails without any one of them, and a wrong password fails at startup with a message that does not contain it.
 */
class RedisAuthIT {

  private static final String ADMIN_PASSWORD = "admin-Secret-4711";
  private static final String USER_PASSWORD = "user-Secret-0815";
  private static final String WRONG_PASSWORD = "wrong-Secret-1234";

  private static RedisServer server;

  @BeforeAll
  static void start() {
    server = RedisServer.start("--requirepass", ADMIN_PASSWORD);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static List<String> documentedAcl() {
    return DocumentedAcl.rules();
  }

  private static void setUser(List<String> rules) {
    DocumentedAcl.setUser(server.port(), ADMIN_PASSWORD, rules, USER_PASSWORD);
  }

  private static RedisRateLimitStore store(String userInfo, String prefix) {
    return RedisRateLimitStore.builder()
        .uri("redis://" + userInfo + "@127.0.0.1:" + server.port())
        .keyPrefix(prefix)
        .commandTimeout(Duration.ofSeconds(30)) // rights are tested here, not latency
        .connectTimeout(Duration.ofSeconds(30))
        .build();
  }

  /**
   * Everything the store sends: each algorithm, admissions and rejections, a state of another shape (deleted), a
   * flushed script cache (SCRIPT LOAD), settlements, pacing and a paced slot given back, and a coalesced vector.
   *
   * @param givenBack receives, per cancelled slot, whether the store gave it back
   * @return the decisions, all of which must be Redis's
   */
  private static List<Decision> everyCommandPath(RedisRateLimitStore store, String name, List<Boolean> givenBack) {
    List<Decision> decisions = new ArrayList<>();
    for (Algorithm algorithm : java.util.EnumSet.range(Algorithm.TOKEN_BUCKET, Algorithm.MOVING_WINDOW)) {
      LimitPolicy first = LimitPolicy.builder(name + "-" + algorithm).limits("2/hour").algorithm(algorithm).build();
      RateLimiter one = RateLimiter.of(first, store);
      RateLimiter two = RateLimiter.of(LimitPolicy.builder(name + "-" + algorithm).limits("2/hour; 5/day")
          .algorithm(algorithm).build(), store);
      for (int i = 0; i < 3; i++) {
        decisions.add(one.acquire("client"));
      }
      RedisCli.command(server.port(), ADMIN_PASSWORD, List.of("SCRIPT", "FLUSH"));
      decisions.add(two.acquire("client")); // another shape: counts as empty, and NOSCRIPT first
      decisions.add(two.acquire("client"));
      decisions.add(two.acquire("client")); // rejected
      // more than a full limit: rejected even on empty state, and finds another shape: deletes it
      decisions.add(store.keySpace(first).acquire("client", 3));
    }
    // settlements (settle.lua, moving_window_settle.lua: they read PTTL): 3 reserved, settled to 1, so 8 more fit in 10
    for (Algorithm algorithm : List.of(Algorithm.TOKEN_BUCKET, Algorithm.MOVING_WINDOW)) {
      KeySpace space = store.keySpace(LimitPolicy.builder(name + "-settle-" + algorithm).limits("10/hour")
          .algorithm(algorithm).build());
      Reservation reserved = space.reserve("client", 3);
      decisions.add(reserved.decision());
      reserved.settle(1);
      decisions.add(space.acquire("client", 8)); // admitted only if the settlement gave 2 back
    }
    // pacing (pace.lua) and a cancelled wait (unpace.lua: GET, then PTTL and SET ... PX to restore the state before
    // the slot, or DEL when there was none): each slot given back is taken again at once
    KeySpace paced = store.keySpace(LimitPolicy.of(name + "-pace", "1/hour"));
    long maxWait = Duration.ofHours(2).toNanos();
    ScheduledPermits now = paced.schedule("fresh", 1, maxWait); // no state before: cancelling deletes the key
    decisions.add(now.decision());
    givenBack.add(now.cancel());
    decisions.add(paced.acquire("fresh", 1)); // admitted only if the slot came back
    decisions.add(paced.acquire("client", 1)); // the bucket's one permit
    ScheduledPermits later = paced.schedule("client", 1, maxWait); // an hour ahead, over the state of that acquire
    decisions.add(later.decision());
    givenBack.add(later.cancel());
    ScheduledPermits again = paced.schedule("client", 1, Duration.ofMinutes(90).toNanos());
    decisions.add(again.decision()); // admitted within 90 minutes only if the first slot came back
    // a token bucket that warms up (token_bucket.lua and settle.lua with warm.lua; settle.lua reads PTTL): admitted cold, then 3
    // reserved and settled to 1
    KeySpace warm = store.keySpace(LimitPolicy.of(name + "-warmup", "10/hour warmup 1m"));
    decisions.add(warm.acquire("client", 1));
    Reservation warmReserved = warm.reserve("client", 3);
    decisions.add(warmReserved.decision());
    warmReserved.settle(1);
    // a coalesced call over two keys (MGET, then one write per key): the first call is held, the rest queue behind it
    KeySpace vector = store.keySpace(LimitPolicy.of(name + "-vector", "100/hour"));
    vector.acquire("warm", 1); // its script loaded: the held call is the vector's first
    RedisCli.command(server.port(), ADMIN_PASSWORD, List.of("CLIENT", "PAUSE", "500"));
    List<CompletableFuture<Decision>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(vector.acquireAsync("v" + i % 2, 1).toCompletableFuture());
    }
    calls.forEach(call -> decisions.add(call.join()));
    return decisions;
  }

  @Test
  void theStoreWorksWithExactlyTheRightsOfTheDocumentedAclLine() {
    List<String> acl = documentedAcl();
    setUser(acl);
    try (RedisRateLimitStore store = store("limiter:" + USER_PASSWORD, "limiter:")) {
      List<Boolean> givenBack = new ArrayList<>();
      List<Decision> decisions = everyCommandPath(store, "acl", givenBack);
      assertThat(decisions).allSatisfy(d -> assertThat(d).isNotDegraded());
      // per algorithm (token bucket, both windows, moving window): 2 + 2 admitted; two settlements, each followed by
      // an acquire that fits only if it gave permits back; five paced decisions, each admitted only if the slot
      // before it came back; the warm-up's 2; then the vector's 6
      assertThat(decisions.stream().filter(Decision::allowed).count()).isEqualTo(4 * 4 + 2 * 2 + 5 + 2 + 6);
      assertThat(givenBack).as("both cancelled slots given back").containsExactly(true, true);
      assertThat(store.stats().coalescedDecisions()).as("a vector ran").isPositive();
      RedisStoreStats stats = store.stats();
      assertThat(stats.failures()).isZero();
      assertThat(stats.scriptLoads()).as("SCRIPT LOAD after each SCRIPT FLUSH").isGreaterThanOrEqualTo(3);
    }
    assertThat(RedisCli.command(server.port(), ADMIN_PASSWORD, List.of("EXISTS", "limiter:{acl-FIXED_WINDOW:client}")))
        .as("deleted by the last rejection").isEqualTo("0");
  }

  @Test
  void withoutAnyOneCommandOfTheDocumentedLineTheStoreFails() {
    List<String> acl = documentedAcl();
    List<String> commands = acl.stream().filter(rule -> rule.startsWith("+")).toList();
    assertThat(commands).isNotEmpty();
    for (String command : commands) {
      List<String> fewer = new ArrayList<>(acl);
      fewer.remove(command);
      setUser(fewer);
      try (RedisRateLimitStore store = store("limiter:" + USER_PASSWORD, "limiter:")) {
        List<Boolean> givenBack = new ArrayList<>();
        List<Decision> decisions = everyCommandPath(store, "without-" + command.replace('|', '-'), givenBack);
        assertThat(decisions).as("decisions without %s", command).anySatisfy(d -> assertThat(d).isDegraded());
      }
    }
  }

  @Test
  void keysOutsideTheUsersPatternAreRefused() {
    setUser(documentedAcl());
    try (RedisRateLimitStore store = store("limiter:" + USER_PASSWORD, "other:")) {
      Decision d = RateLimiter.of(LimitPolicy.of("outside", "2/hour"), store).acquire("client");
      assertThat(d).isDegraded();
      assertThat(store.stats().keyErrors()).isEqualTo(1);
    }
  }

  @Test
  void theDefaultUserWithRequirepassWorks() {
    try (RedisRateLimitStore store = store(":" + ADMIN_PASSWORD, "default-user:")) {
      assertThat(RateLimiter.of(LimitPolicy.of("requirepass", "2/hour"), store).acquire("client"))
          .isAllowed().isNotDegraded();
    }
  }

  @Test
  void aWrongPasswordFailsAtStartupWithoutShowingIt() {
    setUser(documentedAcl());
    for (String userInfo : List.of(":" + WRONG_PASSWORD, "limiter:" + WRONG_PASSWORD, "nobody:" + USER_PASSWORD)) {
      Throwable thrown = catchThrowable(() -> store(userInfo, "limiter:").close());
      assertThat(thrown).as("with %s", userInfo.replaceAll(":.*", ":***")).isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("127.0.0.1:" + server.port()).hasMessageContaining("password");
      assertThat(messages(thrown)).doesNotContain(WRONG_PASSWORD, USER_PASSWORD, ADMIN_PASSWORD);
    }
    Throwable fromText = catchThrowable(() -> RedisRateLimitStore.fromUri("redis://:" + WRONG_PASSWORD
        + "@127.0.0.1:" + server.port(), Map.of("connect-timeout", "30s")).close());
    assertThat(fromText).isInstanceOf(IllegalStateException.class);
    assertThat(messages(fromText)).doesNotContain(WRONG_PASSWORD);
  }

  @Test
  void noPasswordAtAllFailsAtStartupToo() {
    assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder()
        .uri("redis://127.0.0.1:" + server.port()).connectTimeout(Duration.ofSeconds(30)).build().close())
        .withMessageContaining("requires a password");
  }

  /** Every message and toString of the exception chain, with suppressed ones. */
  static String messages(Throwable t) {
    StringBuilder all = new StringBuilder();
    for (Throwable x = t; x != null; x = x.getCause()) {
      all.append(x).append('\n');
      for (Throwable s : x.getSuppressed()) {
        all.append(messages(s));
      }
      if (x.getCause() == x) {
        break;
      }
    }
    return all.toString();
  }
}
