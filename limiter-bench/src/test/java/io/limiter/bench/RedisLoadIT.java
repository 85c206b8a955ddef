package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps the Redis load driver from rotting: every available target (Limiter's Redis store when limiter-redis is on
 * the class path, Bucket4j's Lettuce proxy manager, plain GET) runs each mode for a second against a private
 * {@code redis-server}, and every decision is made by Redis (no errors, no rejections under a limit never reached).
 */
class RedisLoadIT {

  private static Process server;
  private static int port;

  @BeforeAll
  static void startRedis() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Path log = Files.createTempFile("redis-load-it", ".log");
    try {
      server = new ProcessBuilder("redis-server", "--bind", "127.0.0.1", "--port", String.valueOf(port),
          "--save", "", "--appendonly", "no")
          .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    } catch (IOException e) {
      fail("redis-server is not on the PATH; install it with: apt-get install redis-server", e);
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      try (Socket probe = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        if (!server.isAlive()) {
          fail("redis-server exited at start: " + Files.readString(log));
        }
        Thread.sleep(50);
      }
    }
    fail("redis-server did not listen on port " + port + " within 10 s: " + Files.readString(log));
  }

  @AfterAll
  static void stopRedis() throws InterruptedException {
    if (server != null) {
      server.destroy();
      server.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void everyTargetDecidesInEveryMode() throws Exception {
    List<String> targets = List.copyOf(RedisLoad.TARGETS.keySet());
    assertThat(targets).contains("bucket4j", "get");
    List<RedisLoad.Row> rows = RedisLoad.run("redis://127.0.0.1:" + port, targets, List.of(1, 100),
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
