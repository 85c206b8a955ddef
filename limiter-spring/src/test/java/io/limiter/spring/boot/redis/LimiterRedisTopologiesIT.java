package io.limiter.spring.boot.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.limiter.core.Decision;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.redis.RedisCli;
import io.limiter.redis.RedisExtension;
import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.SentinelGroup;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code limiter.store=redis} on a real 3-master Redis Cluster ({@code spring.data.redis.cluster.nodes}, or the
 * application's {@link RedisClusterClient} bean) and behind a real Redis Sentinel
 * ({@code spring.data.redis.sentinel.*}: a primary, a replica and three sentinels; the store follows a failover).
 */
class LimiterRedisTopologiesIT {

  @RegisterExtension
  static final RedisExtension CLUSTER = RedisExtension.cluster(3);

  // topologies are tested here, not latency: commands may take long on a loaded machine. The connect timeout stays
  // the default (1 s): a cold JVM's first cluster connection (topology discovery over every node, handshakes, the
  // version check) can take longer than that on a loaded machine, and the store then starts without Redis and
  // connects in the background, as documented. So each test waits until the store decides on Redis (awaitRedis)
  // instead of assuming that the connection came up within the start-up wait.
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterRedisAutoConfiguration.class, LimiterAutoConfiguration.class))
      .withPropertyValues("limiter.store=redis", "limiter.redis.command-timeout=30s",
          "limiter.policies.p.limits=3/minute", "limiter.policies.ready.limits=1000000/hour");

  /**
   * Waits (at most 60 s) until the store's decisions are made by Redis, probing with a policy of its own: a store
   * whose first connection took longer than its connect timeout decides by the failure mode until it is up.
   */
  private static void awaitRedis(org.springframework.context.ApplicationContext context) {
    RateLimiter ready = context.getBean(RateLimiterRegistry.class).limiter("ready");
    SentinelGroup.await("the store connected to Redis", 60, () -> !ready.acquire("probe").degraded());
  }

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
          awaitRedis(context);
          everyClientGetsExactlyItsLimit(context.getBean(RateLimiterRegistry.class).limiter("p"));
          long keys = 0;
          for (int i = 0; i < 3; i++) {
            keys += CLUSTER.<Long>onNode(i, c -> c.dbsize());
          }
          assertThat(keys).as("one key per client (and the probe's), over all masters").isGreaterThanOrEqualTo(30);
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
            awaitRedis(context);
            long before = store.stats().serverDecisions();
            everyClientGetsExactlyItsLimit(context.getBean(RateLimiterRegistry.class).limiter("p"));
            assertThat(store.stats().serverDecisions() - before).isEqualTo(120);
          });
    } finally {
      resources.shutdown();
    }
  }

  @Test
  void sentinelFindsTheMasterAndFollowsAFailoverWithoutARestart() {
    try (SentinelGroup group = SentinelGroup.start(1000, 2000)) {
      String nodes = group.sentinels().stream().map(s -> "127.0.0.1:" + s.port()).collect(Collectors.joining(","));
      runner.withPropertyValues("spring.data.redis.sentinel.master=" + SentinelGroup.MASTER,
          "spring.data.redis.sentinel.nodes=" + nodes, "limiter.redis.key-prefix=sentinel:",
          "limiter.redis.command-timeout=1s")
          .run(context -> {
            assertThat(context).hasNotFailed();
            awaitRedis(context);
            RateLimiter p = context.getBean(RateLimiterRegistry.class).limiter("p");
            assertThat(p.acquire("k").degraded()).as("connected to the master through the sentinels").isFalse();
            String key = context.getBean(RedisRateLimitStore.class).redisKey("p", "k");
            assertThat(RedisCli.command(group.primary().port(), "EXISTS", key)).as(key + " on the master")
                .isEqualTo("1");

            group.primary().kill();
            SentinelGroup.await("decisions by the promoted replica", 60, () -> !p.acquire("after").degraded());
            assertThat(RedisCli.command(group.replica().port(), "EXISTS", key)).as(key + " on the new primary")
                .isEqualTo("1");
          });
    }
  }
}
