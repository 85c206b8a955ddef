package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiter;
import io.limiter.test.ManualTicker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
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

  /**
   * Decides random requests of the policies (a third of those of the second policy through a view of
   * {@code lowered}, as a step level does; permits 1–3, so some exceed a burst) on three keys, as vectors of one
   * store and as separate calls of another, round after round on a test clock, and compares each decision and each
   * stored state.
   */
  private static void assertVectorsDecideAsSeparateCalls(String prefix, long seed, List<LimitPolicy> policies,
      LimitPolicy lowered) throws Exception {
    ManualTicker clock = new ManualTicker(START);
    Random random = new Random(seed);
    RedisClient client = RedisClient.create(REDIS.resources(), REDIS.uri());
    try (RedisRateLimitStore coalescing = builder(prefix + "coalesced:").testTicker(clock).build();
        RedisRateLimitStore separate = builder(prefix + "separate:").testTicker(clock).coalesce(false).build();
        StatefulRedisConnection<byte[], byte[]> binary = client.connect(ByteArrayCodec.INSTANCE)) {
      Function<String, byte[]> raw = key -> binary.sync().get(key.getBytes(StandardCharsets.UTF_8));
      for (int round = 0; round < 12; round++) {
        record Ask(int policy, boolean view, String key, long permits) {
        }
        List<Ask> asks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
          int p = random.nextInt(policies.size());
          asks.add(new Ask(p, p == 1 && random.nextInt(3) == 0, "k" + random.nextInt(3), 1 + random.nextInt(3)));
        }
        holdServer();
        List<CompletableFuture<Decision>> vector = new ArrayList<>();
        for (Ask ask : asks) {
          KeySpace space = coalescing.keySpace(policies.get(ask.policy()));
          vector.add((ask.view() ? space.view(lowered) : space).acquireAsync(ask.key(), ask.permits())
              .toCompletableFuture());
        }
        for (int i = 0; i < asks.size(); i++) {
          Ask ask = asks.get(i);
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
          }
        }
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
