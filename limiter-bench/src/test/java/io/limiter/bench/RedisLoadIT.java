package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.redis.RedisServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

  /**
   * run-redis.sh on a machine without redis-server and redis-benchmark: RedisLoad starts the binary the Redis tests
   * use ({@code --server auto}), measures the targets interleaved against the harness's own GET, and the report's P6
   * targets use that GET as the floor, saying so.
   */
  @Test
  void runsWithoutAnyInstalledRedisAndReportsTheHarnessGetAsTheFloor(@TempDir Path results, @TempDir Path docs)
      throws Exception {
    RedisLoad.main(new String[] {"--server", "auto", "--out", results.resolve("redis.json").toString(),
        "--targets", "limiter,get", "--keys", "1,10000", "--modes", "sync8", "--seconds", "1", "--warmup", "0",
        "--rounds", "2", "--latency", "50"});
    String json = Files.readString(results.resolve("redis.json"));
    assertThat(json).contains("\"target\": \"get\"").contains("\"commandMicros\"").contains("\"p99Micros\"");
    BenchmarkReport.generate(results, docs, "test", true);
    String page = Files.readString(docs.resolve("benchmarks.md"), StandardCharsets.UTF_8);
    assertThat(page)
        .containsPattern("\\| P6 \\| Redis, one hot key, 8 threads sync: Limiter ÷ Lettuce GET, same harness \\| "
            + "[0-9.]+")
        .containsPattern("\\| P6 \\| Redis, 10,000 keys, 8 threads sync: Limiter ÷ Lettuce GET, same harness \\| "
            + "[0-9.]+")
        .contains("`redis-benchmark` was not installed");
    assertThat(RedisLoad.serverBinary("auto")).isEqualTo(RedisServer.binary().toString());
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
