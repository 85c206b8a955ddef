package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import io.limiter.test.ManualTicker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Coalescing: decisions queued behind a call in flight go out as one script call that decides the vector, and each
 * is decided exactly as a call of its own would decide it, in arrival order; a Redis error for one of them stays
 * with it; and across four instances mixing sync, async and coalesced calls on one key, exactly the capacity is
 * admitted.
 */
class RedisCoalescingIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static final long START = 1_699_488_000L * 1_000_000_000L + 123_456_789L;

  private static RedisRateLimitStoreBuilder builder(String prefix) {
    // exactness is tested here, not latency: generous timeouts for a busy machine
    return RedisRateLimitStore.builder().uri(REDIS.uri()).keyPrefix(prefix)
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30));
  }

  /** Holds the server for a moment, so that the next call stays in flight and what follows it queues. */
  private static void holdServer() {
    REDIS.command(c -> c.clientPause(150));
  }

  @Test
  void aVectorIsDecidedExactlyLikeSeparateCallsInArrivalOrder() throws Exception {
    assertVectorsDecideAsSeparateCalls("", 13, List.of(
        LimitPolicy.builder("v-tb1").limits("5/second").build(),
        LimitPolicy.builder("v-tb2").limits("3/second burst 6; 20/minute").build(),
        LimitPolicy.builder("v-fw").limits("4/second; 9/10 seconds").algorithm(Algorithm.FIXED_WINDOW).build(),
        LimitPolicy.builder("v-sw").limits("6/2 seconds").algorithm(Algorithm.SLIDING_WINDOW).build(),
        // a warm-up: token_bucket.lua for a tag of letter w in the vector
        LimitPolicy.builder("v-warm").limits("4/second burst 3 warmup 2s; 30/minute").build(),
        // the same names in other shapes, on the same keys: within a vector a request meets state of another shape
        // (written by an earlier request of the vector, or stored before it) and counts it as empty
        LimitPolicy.builder("v-tb1").limits("2/second burst 4; 50/minute").build(),
        LimitPolicy.builder("v-sw").limits("6/2 seconds").algorithm(Algorithm.FIXED_WINDOW).build(),
        LimitPolicy.builder("v-tb2").limits("7/second").build()),
        LimitPolicy.builder("v-tb2").limits("1/second burst 2; 10/minute").build());
  }

  @Test
  void aVectorOfOneLimitTokenBucketsIsDecidedExactlyLikeSeparateCallsInArrivalOrder() throws Exception {
    // every request a one-limit token bucket: the lean vector script (token_bucket_vector.lua) decides the vector
    assertVectorsDecideAsSeparateCalls("b-", 29, List.of(
        LimitPolicy.builder("b-1").limits("5/second").build(),
        LimitPolicy.builder("b-2").limits("3/second burst 6").build(),
        // the same names with other limits, on the same keys, stored before the vector or written by an earlier
        // request of it: another rate of the same period carries the state over; another period (b-2 per minute) is
        // another shape, whose state counts as empty (and is deleted by a request it rejects)
        LimitPolicy.builder("b-1").limits("2/second burst 2").build(),
        LimitPolicy.builder("b-2").limits("7/minute").build(),
        // a rate faster than one per microsecond keeps an exact fraction: rests in another denominator
        LimitPolicy.builder("b-3").limits("3000000/second burst 4").build(),
        LimitPolicy.builder("b-3").limits("999999999/second burst 2").build()),
        LimitPolicy.builder("b-2").limits("1/second burst 2").build());
  }

  @Test
  void aLeanVectorMeetsWhatOtherAlgorithmsLeftUnderItsNamesAsSeparateCallsDoAndLeavesTheSameExpiries()
      throws Exception {
    // one-limit token buckets in the vectors (the lean script); between the vectors, separate calls of other
    // algorithms and shapes under the same names write their state on the same keys, so the vectors meet state of a
    // fixed window, a sliding window, a moving window's log, a multi-limit and a warm-up bucket. Periods of hours, so
    // that the expiries are the buckets' own (not the least expiry of a test clock) and differ between requests
    assertVectorsDecideAsSeparateCalls("o-", 31, List.of(
        LimitPolicy.builder("o-1").limits("3/hour burst 5").build(),
        LimitPolicy.builder("o-2").limits("2/hour burst 3").build(),
        LimitPolicy.builder("o-1").limits("1/hour burst 2").build(),
        LimitPolicy.builder("o-3").limits("5/second").build()),
        LimitPolicy.builder("o-2").limits("1/hour burst 2").build(),
        List.of(
            LimitPolicy.builder("o-1").limits("4/hour").algorithm(Algorithm.FIXED_WINDOW).build(),
            LimitPolicy.builder("o-2").limits("6/2 hours").algorithm(Algorithm.SLIDING_WINDOW).build(),
            LimitPolicy.builder("o-3").limits("3/minute").algorithm(Algorithm.MOVING_WINDOW).build(),
            LimitPolicy.builder("o-1").limits("2/hour; 9/day").build(),
            LimitPolicy.builder("o-2").limits("4/hour burst 3 warmup 20m").build(),
            LimitPolicy.builder("o-3").limits("5/second").algorithm(Algorithm.FIXED_WINDOW).build()), 0);
  }

  @Test
  void aLeanVectorWhoseRequestsReadTheClockAtOtherInstantsBackAndForthIsDecidedLikeSeparateCalls()
      throws Exception {
    // each request with a clock of its own, up to 300 ms before or after the round's: an argument vector per request
    // (up to 40 in one call), and within one call a later request may decide at an earlier instant, on state a
    // request after its instant wrote (clamped as a clock gone back)
    assertVectorsDecideAsSeparateCalls("j-", 37, List.of(
        LimitPolicy.builder("j-1").limits("5/second").build(),
        LimitPolicy.builder("j-2").limits("3/second burst 6").build(),
        LimitPolicy.builder("j-1").limits("2/second burst 2").build(),
        LimitPolicy.builder("j-3").limits("3000000/second burst 4").build()),
        LimitPolicy.builder("j-2").limits("1/second burst 2").build(), List.of(), 300_000_000L);
  }

  /**
   * Decides random requests of the policies (a third of those of the second policy through a view of
   * {@code lowered}, as a step level does; permits 1–3, so some exceed a burst) on three keys, as vectors of one
   * store and as separate calls of another, round after round on a test clock, and compares each decision and each
   * stored state.
   */
  private static void assertVectorsDecideAsSeparateCalls(String prefix, long seed, List<LimitPolicy> policies,
      LimitPolicy lowered) throws Exception {
    assertVectorsDecideAsSeparateCalls(prefix, seed, policies, lowered, List.of(), 0);
  }

  /**
   * As above; and before each round, separate calls of {@code others} (policies of other algorithms or shapes under
   * the same names) on the same keys, the same on both stores, so that the vectors meet the state they leave; and
   * after each round, the keys' expiries agree too (up to the time between the two stores' writes). With
   * {@code jitterNanos} above 0 each request reads the test clock at its own instant, up to that far before or after
   * the round's (so within one vector the clock goes back and forth, and every request has an argument vector of its
   * own), and its separate call reads the same.
   */
  private static void assertVectorsDecideAsSeparateCalls(String prefix, long seed, List<LimitPolicy> policies,
      LimitPolicy lowered, List<LimitPolicy> others, long jitterNanos) throws Exception {
    ManualTicker clock = new ManualTicker(START);
    Random random = new Random(seed);
    Random otherRandom = new Random(seed + 1); // apart, so that the rounds without others stay as they were
    RedisClient client = RedisClient.create(REDIS.resources(), REDIS.uri());
    try (RedisRateLimitStore coalescing = builder(prefix + "coalesced:").testTicker(clock).build();
        RedisRateLimitStore separate = builder(prefix + "separate:").testTicker(clock).coalesce(false).build();
        StatefulRedisConnection<byte[], byte[]> binary = client.connect(ByteArrayCodec.INSTANCE)) {
      Function<String, byte[]> raw = key -> binary.sync().get(key.getBytes(StandardCharsets.UTF_8));
      for (int round = 0; round < 12; round++) {
        for (int i = 0; i < (others.isEmpty() ? 0 : 6); i++) {
          LimitPolicy other = others.get(otherRandom.nextInt(others.size()));
          String key = "k" + otherRandom.nextInt(3);
          long permits = 1 + otherRandom.nextInt(2);
          Decision expected = separate.keySpace(other).acquire(key, permits);
          Decision actual = coalescing.keySpace(other).acquire(key, permits);
          assertThat(actual.degraded()).as("%s on %s", other, key).isFalse();
          assertThat(actual.outcome()).as("%s on %s", other, key).isEqualTo(expected.outcome());
          assertThat(actual.remaining()).as("%s on %s", other, key).isEqualTo(expected.remaining());
        }
        record Ask(int policy, boolean view, String key, long permits, long at) {
        }
        long roundAt = clock.read();
        List<Ask> asks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          int p = random.nextInt(policies.size());
          asks.add(new Ask(p, p == 1 && random.nextInt(3) == 0, "k" + random.nextInt(3), 1 + random.nextInt(3),
              jitterNanos == 0 ? roundAt
                  : roundAt - jitterNanos + (long) (otherRandom.nextDouble() * 2 * jitterNanos)));
        }
        holdServer();
        List<CompletableFuture<Decision>> vector = new ArrayList<>();
        for (Ask ask : asks) {
          clock.set(ask.at());
          KeySpace space = coalescing.keySpace(policies.get(ask.policy()));
          vector.add((ask.view() ? space.view(lowered) : space).acquireAsync(ask.key(), ask.permits())
              .toCompletableFuture());
        }
        for (int i = 0; i < asks.size(); i++) {
          Ask ask = asks.get(i);
          clock.set(ask.at());
          KeySpace space = separate.keySpace(policies.get(ask.policy()));
          Decision expected = (ask.view() ? space.view(lowered) : space).acquire(ask.key(), ask.permits());
          Decision actual = vector.get(i).get(60, TimeUnit.SECONDS);
          String context = "round " + round + ", request " + i + " " + ask + "\nexpected (one call each) " + expected
              + "\nactual (coalesced)       " + actual;
          assertThat(actual.degraded()).as(context).isFalse();
          assertThat(actual.outcome()).as(context).isEqualTo(expected.outcome());
          assertThat(actual.limitIndex()).as(context).isEqualTo(expected.limitIndex());
          assertThat(actual.remaining()).as(context).isEqualTo(expected.remaining());
          assertThat(actual.retryAfterNanos()).as(context).isEqualTo(expected.retryAfterNanos());
          assertThat(actual.resetAfterNanos()).as(context).isEqualTo(expected.resetAfterNanos());
          assertThat(actual.refillAfterNanos()).as(context).isEqualTo(expected.refillAfterNanos());
        }
        // and each key holds the same bytes as after the separate calls: the vector's one write per key stores what
        // the requests' own writes would have left
        for (LimitPolicy policy : policies) {
          for (int k = 0; k < 3; k++) {
            assertThat(raw.apply(coalescing.redisKey(policy.name(), "k" + k)))
                .as("round %d, state of %s under %s", round, "k" + k, policy.name())
                .isEqualTo(raw.apply(separate.redisKey(policy.name(), "k" + k)));
            if (!others.isEmpty()) {
              // the separate calls wrote after the vector (real time, not the test clock, runs the expiries)
              String c = coalescing.redisKey(policy.name(), "k" + k);
              String s = separate.redisKey(policy.name(), "k" + k);
              long coalescedTtl = REDIS.command(r -> r.pttl(c));
              long separateTtl = REDIS.command(r -> r.pttl(s));
              String context = "round " + round + ", expiry of k" + k + " under " + policy.name() + ": coalesced "
                  + coalescedTtl + " ms, separate " + separateTtl + " ms";
              assertThat(coalescedTtl).as(context).isNotEqualTo(-1L);
              assertThat(coalescedTtl == -2).as(context).isEqualTo(separateTtl == -2);
              assertThat(coalescedTtl).as(context).isCloseTo(separateTtl, within(15_000L));
            }
          }
        }
        clock.set(roundAt);
        clock.advanceNanos(random.nextInt(4) == 0 ? 0 : 1 + (long) (random.nextDouble() * 800_000_000L));
      }
      assertThat(coalescing.stats().coalescedDecisions()).as("decisions that shared a call").isPositive();
      assertThat(separate.stats().coalescedDecisions()).isZero();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aRedisErrorForOneRequestOfAVectorFailsThatRequestOnly() throws Exception {
    LimitPolicy policy = LimitPolicy.builder("v-wrongtype").limits("100/hour").build();
    try (RedisRateLimitStore store = builder("wrongtype:").build()) {
      REDIS.command(c -> c.lpush(store.redisKey(policy.name(), "bad"), "not a rate limit state"));
      KeySpace space = store.keySpace(policy);
      holdServer();
      List<CompletableFuture<Decision>> vector = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        vector.add(space.acquireAsync(i % 3 == 1 ? "bad" : "good", 1).toCompletableFuture());
      }
      for (int i = 0; i < vector.size(); i++) {
        Decision d = vector.get(i).get(60, TimeUnit.SECONDS);
        assertThat(d.degraded()).as("request %d: %s", i, d).isEqualTo(i % 3 == 1);
        if (i % 3 != 1) {
          assertThat(d.allowed()).as("request %d: %s", i, d).isTrue();
        }
      }
      RedisStoreStats stats = store.stats();
      assertThat(stats.coalescedDecisions()).as("the requests after the first shared a call").isEqualTo(8);
      assertThat(stats.keyErrors()).isEqualTo(3);
      assertThat(stats.available()).as("a per-key error never opens the gate").isTrue();
      assertThat(space.acquire("good", 1).remaining()).as("six good ones charged, then this one").isEqualTo(93);
    }
  }

  @Test
  void aWrongTypeKeyFailsItsRequestsWithRedisOwnMessageInEitherVectorScript() throws Exception {
    // the message of a request's failure in a vector is Redis's own, as vector_error.lua promises, whichever vector
    // script decides it: the lean one (one-limit token buckets only; the bad key read by GET after the prefetch of
    // two keys, or alone) and the general one (a fixed window among them). On Redis 6.2 an error raised by
    // redis.call carries the position of its caller, which is pcall itself when called as pcall(redis.call, ...)
    LimitPolicy policy = LimitPolicy.builder("v-wrongtype-msg").limits("100/hour").build();
    LimitPolicy window = LimitPolicy.builder("v-wrongtype-fw").limits("100/hour").algorithm(Algorithm.FIXED_WINDOW)
        .build();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    try (RedisRateLimitStore store = builder("wrongtype-msg:").failureHandler((p, key, permits, failure) -> {
      failures.add(failure);
      return Decision.degradedAllowed(p);
    }).build()) {
      REDIS.command(c -> c.lpush(store.redisKey(policy.name(), "bad"), "not a rate limit state"));
      // the first request of each goes out alone (the held server keeps it in flight), the rest as one vector
      String[][] vectors = {{"good", "bad", "good", "bad"}, {"good", "bad", "bad"}, {"good", "bad", "fw", "bad"}};
      int coalesced = 0;
      for (String[] keys : vectors) {
        holdServer();
        List<CompletableFuture<Decision>> vector = new ArrayList<>();
        for (String key : keys) {
          KeySpace space = store.keySpace(key.equals("fw") ? window : policy);
          vector.add(space.acquireAsync(key, 1).toCompletableFuture());
        }
        for (int i = 0; i < keys.length; i++) {
          Decision d = vector.get(i).get(60, TimeUnit.SECONDS);
          assertThat(d.degraded()).as("%s: request %d on %s", List.of(keys), i, keys[i])
              .isEqualTo(keys[i].equals("bad"));
        }
        coalesced += keys.length - 1;
      }
      assertThat(store.stats().coalescedDecisions()).isEqualTo(coalesced);
      assertThat(failures).hasSize(6).allSatisfy(f -> assertThat(f)
          .isInstanceOf(RedisCommandExecutionException.class)
          .hasMessage("WRONGTYPE Operation against a key holding the wrong kind of value"));
    }
  }

  @Test
  void reservationsMadeInALeanVectorSettleAsThoseOfSeparateCalls() throws Exception {
    // a reservation's stamp is the time its vector decided at (the first word of its reply), and the settle script
    // reads the state the lean vector script wrote: settled to other costs (more, fewer, none), the state and each
    // decision after are those of separate calls
    LimitPolicy policy = LimitPolicy.builder("r-lean").limits("4/hour burst 6").build();
    ManualTicker clock = new ManualTicker(START);
    Random random = new Random(41);
    RedisClient client = RedisClient.create(REDIS.resources(), REDIS.uri());
    try (RedisRateLimitStore coalescing = builder("r-coalesced:").testTicker(clock).build();
        RedisRateLimitStore separate = builder("r-separate:").testTicker(clock).coalesce(false).build();
        StatefulRedisConnection<byte[], byte[]> binary = client.connect(ByteArrayCodec.INSTANCE)) {
      Function<String, byte[]> raw = key -> binary.sync().get(key.getBytes(StandardCharsets.UTF_8));
      KeySpace vectorSpace = coalescing.keySpace(policy);
      KeySpace separateSpace = separate.keySpace(policy);
      for (int round = 0; round < 8; round++) {
        List<String> keys = new ArrayList<>();
        List<Long> costs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
          keys.add("k" + random.nextInt(3));
          costs.add(1L + random.nextInt(3));
        }
        holdServer();
        List<CompletableFuture<Reservation>> vector = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
          vector.add(vectorSpace.reserveAsync(keys.get(i), costs.get(i)).toCompletableFuture());
        }
        List<Reservation> reserved = new ArrayList<>();
        List<Reservation> expected = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
          Reservation e = separateSpace.reserve(keys.get(i), costs.get(i));
          Reservation a = vector.get(i).get(60, TimeUnit.SECONDS);
          String context = "round " + round + ", reservation " + i + "\nexpected " + e.decision() + "\nactual   "
              + a.decision();
          assertThat(a.decision().degraded()).as(context).isFalse();
          assertThat(a.taken()).as(context).isEqualTo(e.taken());
          assertThat(a.stamp()).as(context).isEqualTo(e.stamp());
          assertThat(a.decision().remaining()).as(context).isEqualTo(e.decision().remaining());
          assertThat(a.decision().retryAfterNanos()).as(context).isEqualTo(e.decision().retryAfterNanos());
          assertThat(a.decision().resetAfterNanos()).as(context).isEqualTo(e.decision().resetAfterNanos());
          reserved.add(a);
          expected.add(e);
        }
        clock.advanceNanos(random.nextInt(3) * 1_000_000_000L * 60 * random.nextInt(20));
        for (int i = 0; i < reserved.size(); i++) {
          long actual = random.nextInt(5); // 0: nothing used, a refund of all; above the cost: an extra charge
          assertThat(reserved.get(i).settle(actual)).isEqualTo(expected.get(i).settle(actual));
        }
        for (int k = 0; k < 3; k++) {
          assertThat(raw.apply(coalescing.redisKey(policy.name(), "k" + k)))
              .as("round %d, state of k%d after the settlements", round, k)
              .isEqualTo(raw.apply(separate.redisKey(policy.name(), "k" + k)));
        }
        clock.advanceNanos(1 + (long) (random.nextDouble() * 600_000_000_000L));
      }
      assertThat(coalescing.stats().coalescedDecisions()).as("reservations that shared a call").isPositive();
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aWriteTheServerRefusesFailsTheRequestsThatWroteThatKeyOnly() throws Exception {
    // a vector writes each key once, after its last request: a refused write (OOM) fails the requests that charged
    // the key; a rejection, which writes nothing, is still decided
    LimitPolicy policy = LimitPolicy.builder("v-oom").limits("1/hour").build();
    try (RedisRateLimitStore store = builder("oom:").build()) {
      KeySpace space = store.keySpace(policy);
      assertThat(space.acquire("full", 1).allowed()).isTrue();
      REDIS.command(c -> c.configSet("maxmemory", "1"));
      try {
        holdServer();
        List<CompletableFuture<Decision>> vector = new ArrayList<>();
        for (String key : new String[] {"full", "fresh-1", "full", "fresh-2", "fresh-1"}) {
          vector.add(space.acquireAsync(key, 1).toCompletableFuture());
        }
        List<Decision> decisions = new ArrayList<>();
        for (CompletableFuture<Decision> d : vector) {
          decisions.add(d.get(60, TimeUnit.SECONDS));
        }
        String all = decisions.toString();
        assertThat(decisions.get(0).degraded()).as(all).isFalse();
        assertThat(decisions.get(0).rejected()).as(all).isTrue();
        assertThat(decisions.get(2).degraded()).as(all).isFalse();
        assertThat(decisions.get(2).rejected()).as(all).isTrue();
        assertThat(decisions.get(1).degraded()).as(all).isTrue();
        assertThat(decisions.get(3).degraded()).as(all).isTrue();
        // fresh-1's second request was rejected on what the first wrote in the call, but that write failed: it fails
        // with it, as it would have been decided on a state that was never stored
        assertThat(decisions.get(4).degraded()).as(all).isTrue();
        assertThat(store.stats().available()).as("per-key errors never open the gate").isTrue();
      } finally {
        REDIS.command(c -> c.configSet("maxmemory", "0"));
      }
      Long stored = REDIS.command(c -> c.exists(store.redisKey(policy.name(), "fresh-1")));
      assertThat(stored).isZero();
      assertThat(space.acquire("fresh-1", 1).allowed()).as("nothing was charged").isTrue();
    }
  }

  @Test
  void aBacklogBeyondOneVectorIsPipelinedAndDecidedExactlyInArrivalOrder() throws Exception {
    // held for a second: the first request goes out alone and stays in flight, the backlog behind it queues past a
    // full vector, so full vectors go out pipelined behind it (up to the bound) and the rest when they answer
    LimitPolicy policy = LimitPolicy.builder("v-backlog").limits("200/day").build();
    try (RedisRateLimitStore store = builder("backlog:").build()) {
      KeySpace space = store.keySpace(policy);
      REDIS.command(c -> c.clientPause(1000));
      List<CompletableFuture<Decision>> decisions = new ArrayList<>();
      for (int i = 0; i < 300; i++) {
        decisions.add(space.acquireAsync("k", 1).toCompletableFuture());
      }
      for (int i = 0; i < decisions.size(); i++) {
        Decision decision = decisions.get(i).get(60, TimeUnit.SECONDS);
        assertThat(decision.degraded()).as("request %d decided by Redis", i).isFalse();
        // in arrival order: exactly the first 200 are admitted, each leaving one permit fewer
        assertThat(decision.allowed()).as("request %d admitted", i).isEqualTo(i < 200);
        assertThat(decision.remaining()).as("request %d remaining", i).isEqualTo(Math.max(0, 199 - i));
      }
      assertThat(store.stats().coalescedDecisions()).as("decisions that shared a call").isPositive();
    }
  }

  @Test
  void closingTheStoreUnderLoadCompletesEveryDecisionAndThrowsNone() throws Exception {
    LimitPolicy policy = LimitPolicy.builder("v-close").limits("1000000/hour").build();
    RedisRateLimitStore store = builder("closing:").build();
    KeySpace space = store.keySpace(policy);
    assertThat(space.acquire("k", 1).degraded()).isFalse();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch started = new CountDownLatch(4);
      List<Future<List<CompletableFuture<Decision>>>> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        callers.add(pool.submit(() -> {
          List<CompletableFuture<Decision>> calls = new ArrayList<>();
          started.countDown();
          for (int i = 0; i < 3000; i++) {
            calls.add(space.acquireAsync("k" + (i % 5), 1).toCompletableFuture()); // must never throw
          }
          return calls;
        }));
      }
      started.await();
      store.close(); // while the callers queue decisions
      for (Future<List<CompletableFuture<Decision>>> caller : callers) {
        for (CompletableFuture<Decision> call : caller.get(60, TimeUnit.SECONDS)) {
          assertThat(call.get(60, TimeUnit.SECONDS)).isNotNull(); // decided by Redis, or degraded once closed
        }
      }
      assertThat(space.acquireAsync("k", 1).toCompletableFuture().get(60, TimeUnit.SECONDS).degraded()).isTrue();
      assertThat(space.acquire("k", 1).degraded()).isTrue();
    } finally {
      pool.shutdownNow();
      store.close(); // again, in case the test failed before: closing twice is harmless
    }
  }

  @Test
  void fourInstancesMixingSyncAsyncAndCoalescedCallsAdmitExactlyTheCapacity() throws Exception {
    int instances = 4;
    int threads = 12;
    long capacity = 300;
    for (Algorithm algorithm : java.util.EnumSet.range(Algorithm.TOKEN_BUCKET, Algorithm.MOVING_WINDOW)) {
      // periods long enough that nothing refills during the test
      String spec = algorithm == Algorithm.TOKEN_BUCKET ? capacity + "/day" : capacity + "/3650 days";
      LimitPolicy policy = LimitPolicy.builder("mixed-" + algorithm).limits(spec).algorithm(algorithm).build();
      List<RedisRateLimitStore> stores = new ArrayList<>();
      ExecutorService pool = Executors.newFixedThreadPool(instances * threads);
      try {
        List<RateLimiter> limiters = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
          // one of the four without coalescing: one call per decision, interleaved with the others' vectors
          RedisRateLimitStore store = builder("mixed:").coalesce(i != 3).build();
          stores.add(store);
          limiters.add(RateLimiter.of(policy, store));
        }
        AtomicLong admittedPermits = new AtomicLong();
        AtomicLong degraded = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < instances * threads; t++) {
          RateLimiter limiter = limiters.get(t % instances);
          int kind = t % 3; // 0 sync, 1 async one at a time, 2 async bursts of four in flight
          long permits = 1 + t % 3;
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 6; i++) {
              List<CompletableFuture<Decision>> calls = new ArrayList<>();
              if (kind == 0) {
                calls.add(CompletableFuture.completedFuture(limiter.acquire("hot", permits)));
              } else {
                for (int j = 0; j < (kind == 2 ? 4 : 1); j++) {
                  calls.add(limiter.acquireAsync("hot", permits).toCompletableFuture());
                }
              }
              for (CompletableFuture<Decision> call : calls) {
                Decision d = call.get(60, TimeUnit.SECONDS);
                if (d.degraded()) {
                  degraded.incrementAndGet();
                } else if (d.allowed()) {
                  admittedPermits.addAndGet(permits);
                }
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(120, TimeUnit.SECONDS);
        }
        assertThat(degraded.get()).as("%s degraded", algorithm).isZero();
        // what is left is taken one permit at a time: all-or-nothing charges leave exactly the capacity in total
        long left = 0;
        while (limiters.get(0).acquire("hot", 1).allowed()) {
          left++;
        }
        assertThat(admittedPermits.get()).as("%s: admitted permits", algorithm).isLessThanOrEqualTo(capacity);
        assertThat(admittedPermits.get() + left).as("%s: admitted permits and what was left", algorithm)
            .isEqualTo(capacity);
        long shared = stores.stream().mapToLong(s -> s.stats().coalescedDecisions()).sum();
        if (algorithm == Algorithm.MOVING_WINDOW) {
          // its log is written in place, which a vector's cached state I/O cannot stand for: always a call of its own
          assertThat(shared).as("%s: decisions that shared a call", algorithm).isZero();
        } else {
          assertThat(shared).as("%s: decisions that shared a call", algorithm).isPositive();
        }
        REDIS.command(c -> c.del(stores.get(0).redisKey(policy.name(), "hot")));
      } finally {
        pool.shutdownNow();
        stores.forEach(RedisRateLimitStore::close);
      }
    }
  }
}
