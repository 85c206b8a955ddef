package io.limiter.spring.boot.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.limiter.core.Decision;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.redis.RedisExtension;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisServer;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code limiter.store=redis} on a real 3-master Redis Cluster ({@code spring.data.redis.cluster.nodes}, or the
 * application's {@link RedisClusterClient} bean) and behind a real Redis Sentinel
 * ({@code spring.data.redis.sentinel.*}).
 */
class LimiterRedisTopologiesIT {

  @RegisterExtension
  static final RedisExtension CLUSTER = RedisExtension.cluster(3);

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterRedisAutoConfiguration.class, LimiterAutoConfiguration.class))
      .withPropertyValues("limiter.store=redis", "limiter.redis.command-timeout=30s",
          "limiter.policies.p.limits=3/minute");

  private String node(int i) {
    return "127.0.0.1:" + CLUSTER.servers().get(i).port();
  }

  /** Many clients, so that their keys land in every master's slots; each gets exactly its limit. */
  private static void everyClientGetsExactlyItsLimit(RateLimiter limiter) {
    for (int client = 0; client < 30; client++) {
      int admitted = 0;
      for (int i = 0; i < 4; i++) {
        Decision d = limiter.acquire("client-" + client);
        assertThat(d.degraded()).as("decided by the cluster").isFalse();
        admitted += d.allowed() ? 1 : 0;
      }
      assertThat(admitted).as("client-" + client).isEqualTo(3);
    }
  }

  @Test
  void clusterNodesFromSpringDataRedis() {
    runner.withPropertyValues("spring.data.redis.cluster.nodes=" + node(0) + "," + node(1),
        "limiter.redis.key-prefix=nodes:").run(context -> {
          assertThat(context).hasNotFailed();
          everyClientGetsExactlyItsLimit(context.getBean(RateLimiterRegistry.class).limiter("p"));
          long keys = 0;
          for (int i = 0; i < 3; i++) {
            keys += CLUSTER.<Long>onNode(i, c -> c.dbsize());
          }
          assertThat(keys).as("one key per client, over all masters").isGreaterThanOrEqualTo(30);
          for (int i = 0; i < 3; i++) {
            assertThat(CLUSTER.<Long>onNode(i, c -> c.dbsize())).as("keys on master " + i).isPositive();
          }
        });
  }

  @Test
  void theApplicationsClusterClientBean() {
    ClientResources resources = DefaultClientResources.create();
    try {
      runner.withBean(RedisClusterClient.class, () -> RedisClusterClient.create(resources, "redis://" + node(2)),
          b -> b.setDestroyMethodName("shutdown")).withPropertyValues("limiter.redis.key-prefix=bean:")
          .run(context -> {
            RedisRateLimitStore store = context.getBean(RedisRateLimitStore.class);
            everyClientGetsExactlyItsLimit(context.getBean(RateLimiterRegistry.class).limiter("p"));
            assertThat(store.stats().serverDecisions()).isEqualTo(120);
          });
    } finally {
      resources.shutdown();
    }
  }

  @Test
  void sentinelFindsTheMaster() throws Exception {
    try (RedisServer master = RedisServer.start(); Sentinel sentinel = Sentinel.start(master.port())) {
      runner.withPropertyValues("spring.data.redis.sentinel.master=mymaster",
          "spring.data.redis.sentinel.nodes=127.0.0.1:" + sentinel.port, "limiter.redis.key-prefix=sentinel:")
          .run(context -> {
            assertThat(context).hasNotFailed();
            RateLimiter p = context.getBean(RateLimiterRegistry.class).limiter("p");
            assertThat(p.acquire("k").degraded()).as("connected to the master through the sentinel").isFalse();
            String key = context.getBean(RedisRateLimitStore.class).redisKey("p", "k");
            RedisClient admin = RedisClient.create();
            try (var c = admin.connect(RedisURI.create(master.uri()))) {
              assertThat(c.sync().exists(key)).as(key + " on the master").isEqualTo(1);
            } finally {
              admin.shutdown();
            }
          });
    }
  }

  /** A redis-server in Sentinel mode monitoring one master (quorum 1), on a free loopback port. */
  private static final class Sentinel implements AutoCloseable {
    final int port;
    final Process process;

    private Sentinel(int port, Process process) {
      this.port = port;
      this.process = process;
    }

    static Sentinel start(int masterPort) throws IOException {
      int port = RedisServer.freePort();
      Path dir = Files.createDirectories(Paths.get("target", "redis-servers")).toAbsolutePath();
      Path config = Files.createTempFile(dir, "sentinel-" + port + "-", ".conf");
      Files.writeString(config, "port " + port + "\nbind 127.0.0.1\ndir " + dir + "\n"
          + "sentinel monitor mymaster 127.0.0.1 " + masterPort + " 1\n");
      Process process = new ProcessBuilder(RedisServer.binary().toString(), config.toString(), "--sentinel")
          .redirectErrorStream(true).redirectOutput(config.resolveSibling(config.getFileName() + ".log").toFile())
          .start();
      Sentinel sentinel = new Sentinel(port, process);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!sentinel.knowsMaster()) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          sentinel.close();
          throw new IllegalStateException("redis-server --sentinel did not start on port " + port + "; see "
              + config + ".log");
        }
        RedisServer.sleep(50);
      }
      return sentinel;
    }

    /** Whether the sentinel answers SENTINEL GET-MASTER-ADDR-BY-NAME for the master. */
    boolean knowsMaster() {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 200);
        s.setSoTimeout(500);
        s.getOutputStream().write("SENTINEL GET-MASTER-ADDR-BY-NAME mymaster\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] reply = new byte[64];
        int n = s.getInputStream().read(reply);
        return n > 0 && new String(reply, 0, n, StandardCharsets.US_ASCII).startsWith("*2");
      } catch (IOException e) {
        return false;
      }
    }

    @Override
    public void close() {
      process.destroyForcibly();
      try {
        process.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
