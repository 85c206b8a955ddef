package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ServerVersionTest {

  private static String info(String... lines) {
    return "# Server\r\n" + String.join("\r\n", lines) + "\r\nredis_mode:standalone\r\n";
  }

  @Test
  void redisFromTheMinimumOnAndEveryValkeyRunTheScripts() {
    assertThat(RedisConnector.versionProblem(info("redis_version:6.2.6"))).isNull(); // the tests' embedded server
    assertThat(RedisConnector.versionProblem(info("redis_version:5.0.0"))).isNull();
    assertThat(RedisConnector.versionProblem(info("redis_version:7.4.1"))).isNull();
    assertThat(RedisConnector.versionProblem(info("redis_version:10.0.0"))).isNull();
    assertThat(RedisConnector.versionProblem(info("redis_version:7.2.4", "valkey_version:8.0.1"))).isNull();
    assertThat(RedisConnector.versionProblem(info("server_name:somethingelse"))).as("no version: not refused")
        .isNull();
  }

  @Test
  void anOlderRedisIsRefusedNamingItsVersionAndTheMinimum() {
    assertThat(RedisConnector.versionProblem(info("redis_version:4.0.14")))
        .isEqualTo("Redis 4.0.14 is too old for the rate limit scripts: they need Redis 5.0.0 or later (or any "
            + "Valkey); upgrade the server the store connects to");
    assertThat(RedisConnector.versionProblem(info("redis_version:3.2.12"))).contains("Redis 3.2.12");
    assertThat(RedisConnector.versionProblem("redis_version:4.9.104\n")).contains("4.9.104");
  }

  @Test
  void versionsCompareNumericallyPartByPart() {
    assertThat(RedisConnector.compareVersions("6.2.6", "5.0.0")).isPositive();
    assertThat(RedisConnector.compareVersions("5.0", "5.0.0")).isZero();
    assertThat(RedisConnector.compareVersions("4.10.0", "4.9.9")).isPositive();
    assertThat(RedisConnector.compareVersions("7.0.0-rc1", "7.0.0")).isZero();
    assertThat(RedisConnector.compareVersions("x.y", "0.0")).isZero();
  }
}
