package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Failures stay as small as they are: an error Redis answers for one key is that decision's failure mode and opens no
 * store-wide gate; state changes are logged at most once per failure log interval however often Redis flaps; a
 * flushed script cache is refilled with {@code SCRIPT LOAD}; a store started while Redis does not answer uses Redis
 * as soon as it does.
 */
class RedisContainedFailureIT {

  private static final LimitPolicy CLOSED = LimitPolicy.builder("contained").limits("10/hour")
      .failureMode(FailureMode.FAIL_CLOSED).build();

  private static RedisRateLimitStore store(RedisServer server, Duration commandTimeout) {
    return RedisRateLimitStore.builder().uri(server.uri()).commandTimeout(commandTimeout)
        .connectTimeout(Duration.ofSeconds(30)).recoveryBackoff(Duration.ofMillis(20), Duration.ofMillis(200))
        .failureLogInterval(Duration.ofMinutes(1)).build();
  }

  @Test
  void aWrongTypeKeyDegradesOnlyItsOwnDecisions() {
    try (RedisServer server = RedisServer.start(); RedisRateLimitStore store = store(server, Duration.ofSeconds(30))) {
      KeySpace space = store.keySpace(CLOSED);
      assertThat(space.acquire("good", 1).degraded()).isFalse();
      admin(server, c -> c.lpush(store.redisKey(CLOSED.name(), "bad"), "not a rate limit state"));
      for (int i = 0; i < 3; i++) {
        Decision bad = space.acquire("bad", 1);
        assertThat(bad.degraded()).as("%s", bad).isTrue();
        assertThat(bad.rejected()).as("FAIL_CLOSED").isTrue();
        Decision good = space.acquire("good", 1);
        assertThat(good.degraded()).as("other keys still go to Redis: %s", good).isFalse();
      }
      RedisStoreStats stats = store.stats();
      assertThat(stats.available()).isTrue();
      assertThat(stats.keyErrors()).isEqualTo(3);
      assertThat(stats.skipped()).isZero();
    }
  }

  @Test
  void outOfMemoryIsAnswerPerCallAndRecoversWithoutBackOff() {
    try (RedisServer server = RedisServer.start(); RedisRateLimitStore store = store(server, Duration.ofSeconds(30))) {
      KeySpace space = store.keySpace(CLOSED);
      assertThat(space.acquire("a", 1).degraded()).isFalse();
      admin(server, c -> c.configSet("maxmemory", "1"));
      assertThat(space.acquire("b", 1).degraded()).isTrue();
      assertThat(store.stats().available()).isTrue();
      admin(server, c -> c.configSet("maxmemory", "0"));
      assertThat(space.acquire("b", 1).degraded()).as("the very next call goes to Redis").isFalse();
    }
  }

  @Test
  void flappingRedisIsLoggedOncePerIntervalEachWay() {
    List<LogRecord> records = new CopyOnWriteArrayList<>();
    Logger logger = Logger.getLogger(RedisRateLimitStore.class.getName());
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord record) {
        records.add(record);
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    logger.addHandler(handler);
    try (RedisServer server = RedisServer.start(); RedisRateLimitStore store = store(server, Duration.ofMillis(200))) {
      KeySpace space = store.keySpace(CLOSED);
      int flips = 0;
      for (int cycle = 0; cycle < 4; cycle++) {
        server.freeze();
        try {
          awaitDecision(space, true);
        } finally {
          server.thaw();
        }
        awaitDecision(space, false);
        flips += 2;
      }
      assertThat(flips).isEqualTo(8);
      long lost = records.stream().filter(r -> r.getMessage().startsWith("Redis failed")).count();
      long back = records.stream().filter(r -> r.getMessage().startsWith("Redis answers again")).count();
      assertThat(lost).as("'Redis failed' lines for 4 failures within a minute").isEqualTo(1);
      assertThat(back).as("'Redis answers again' lines for 4 recoveries within a minute").isEqualTo(1);
    } finally {
      logger.removeHandler(handler);
    }
  }

  /** Decides until a decision is (or is not) degraded; every decision returns within the command timeout. */
  private static void awaitDecision(KeySpace space, boolean degraded) {
    Awaitility.await(degraded ? "a degraded decision" : "a decision by Redis").atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20)).pollInSameThread()
        .until(() -> space.acquire("flap", 1).degraded() == degraded);
  }

  @Test
  void aFlushedScriptCacheIsRefilledWithScriptLoadNotEval() {
    try (RedisServer server = RedisServer.start(); RedisRateLimitStore store = store(server, Duration.ofSeconds(30))) {
      KeySpace space = store.keySpace(CLOSED);
      assertThat(space.acquire("a", 1).degraded()).isFalse(); // a new server: NOSCRIPT, then loaded
      admin(server, c -> c.scriptFlush());
      assertThat(space.acquire("a", 1).degraded()).isFalse();
      assertThat(store.stats().scriptLoads()).isEqualTo(2);
      String stats = admin(server, c -> c.info("commandstats"));
      // two SCRIPT LOADs and the SCRIPT FLUSH; never an EVAL, whose cached scripts Redis 7.4+ may evict. Redis 7
      // counts subcommands apart (cmdstat_script|load), Redis 6 together (cmdstat_script)
      if (stats.contains("cmdstat_script|")) {
        assertThat(stats).contains("cmdstat_script|load:calls=2,").contains("cmdstat_script|flush:calls=1,");
      } else {
        assertThat(stats).contains("cmdstat_script:calls=3,");
      }
      assertThat(stats).doesNotContain("cmdstat_eval:");
    }
  }

  @Test
  void aStoreStartedWhileRedisIsSlowToAcceptUsesRedisOnceItAnswers() {
    try (RedisServer server = RedisServer.start()) {
      server.freeze(); // the kernel accepts the TCP connection; Redis answers nothing, not even the handshake
      RedisRateLimitStore store;
      try {
        store = RedisRateLimitStore.builder().uri(server.uri()).commandTimeout(Duration.ofSeconds(5))
            .connectTimeout(Duration.ofMillis(500)).recoveryBackoff(Duration.ofMillis(20), Duration.ofSeconds(30))
            .build();
        assertThat(store.keySpace(CLOSED).acquire("cold", 1).degraded()).isTrue();
        RedisServer.sleep(1500); // probes meanwhile fail and the back-off grows
      } finally {
        server.thaw();
      }
      try (store) {
        KeySpace space = store.keySpace(CLOSED);
        // Lettuce's default 60 s handshake timeout, or a 30 s probe back-off, would keep the store degraded
        Awaitility.await("a decision by Redis once it answers").atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(20)).pollInSameThread()
            .until(() -> !space.acquire("cold", 1).degraded());
        assertThat(store.stats().available()).isTrue();
      }
    }
  }

  private static <T> T admin(RedisServer server,
      java.util.function.Function<io.lettuce.core.api.sync.RedisCommands<String, String>, T> command) {
    io.lettuce.core.RedisClient client = io.lettuce.core.RedisClient.create(server.uri());
    try (var c = client.connect()) {
      return command.apply(c.sync());
    } finally {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
  }
}
