package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.redis.RedisServer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the Redis load driver from rotting: every available target (Limiter's Redis store when limiter-redis is on
 * the class path, Bucket4j's Lettuce proxy manager, plain GET) runs each mode for a second against a private
 * {@code redis-server} started by limiter-redis's shared test helper (the PATH binary, else the embedded one), and
 * every decision is made by Redis (no errors, no rejections under a limit never reached).
 */
class RedisLoadIT {

  private static RedisServer server;

  @BeforeAll
  static void startRedis() {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopRedis() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyTargetDecidesInEveryMode() throws Exception {
    List<String> targets = List.copyOf(RedisLoad.TARGETS.keySet());
    assertThat(targets).contains("bucket4j", "get");
    List<RedisLoad.Row> rows = RedisLoad.run(server.uri(), targets, List.of(1, 100),
        List.of("sync2", "async8"), 1, 0);
    assertThat(rows).hasSize(targets.size() * 2 * 2);
    assertThat(rows).allSatisfy(row -> {
      assertThat(row.errors()).as(row.toString()).isZero();
      assertThat(row.rejected()).as(row.toString()).isZero();
      assertThat(row.samples()).hasSize(1);
      assertThat(row.mean()).as(row.toString()).isPositive();
    });
  }
}
