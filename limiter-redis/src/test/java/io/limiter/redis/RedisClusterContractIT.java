package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.test.ManualTicker;
import io.limiter.test.RateLimitStoreContract;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contract on a real three-master Redis Cluster (started on loopback ports by the extension), plus what is
 * particular to a cluster: clients spread over every master, and exactness across instances.
 */
class RedisClusterContractIT extends RateLimitStoreContract {

  @RegisterExtension
  static final RedisExtension CLUSTER = RedisExtension.cluster(3);

  private static ClientResources resources;

  @BeforeAll
  static void createResources() {
    resources = DefaultClientResources.create();
  }

  @AfterAll
  static void shutdownResources() {
    resources.shutdown();
  }

  @Override
  protected RateLimitStore createStore(ManualTicker ticker) {
    return RedisRateLimitStore.builder()
        .cluster(CLUSTER.uris())
        .clientResources(resources)
        .commandTimeout(Duration.ofSeconds(5))
        .testTicker(ticker)
        .build();
  }

  @Test
  void clientsSpreadOverEveryMaster() {
    try (RedisRateLimitStore clusterStore = RedisRateLimitStore.fromUri(String.join(",", CLUSTER.uris()),
        Map.of("cluster", "true", "keyPrefix", "spread:"))) {
      RateLimiter limiter = RateLimiter.of(LimitPolicy.of("spread", "5/minute"), clusterStore);
      for (int i = 0; i < 60; i++) {
        assertThat(limiter.acquire("client-" + i).degraded()).isFalse();
      }
      for (int node = 0; node < 3; node++) {
        int n = node;
        long keys = CLUSTER.onNode(n, c -> c.dbsize());
        assertThat(keys).as("keys on master %d", n).isPositive();
      }
    }
  }

  @Test
  void twoInstancesOnTheClusterAdmitExactlyTheCapacity() throws Exception {
    LimitPolicy policy = LimitPolicy.of("cluster-exact", "100/hour; 1000/day");
    List<RedisRateLimitStore> stores = List.of(
        RedisRateLimitStore.builder().cluster(CLUSTER.uris()).commandTimeout(Duration.ofSeconds(5)).build(),
        RedisRateLimitStore.builder().cluster(CLUSTER.uris()).commandTimeout(Duration.ofSeconds(5)).build());
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      for (int repetition = 0; repetition < 4; repetition++) {
        String key = "hot-" + repetition;
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger admitted = new AtomicInteger();
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < 32; t++) {
          RateLimiter limiter = RateLimiter.of(policy, stores.get(t % 2));
          futures.add(pool.submit(() -> {
            start.await();
            for (int i = 0; i < 5; i++) {
              Decision d = limiter.acquire(key);
              if (d.allowed() && !d.degraded()) {
                admitted.incrementAndGet();
              }
            }
            return null;
          }));
        }
        start.countDown();
        for (Future<?> f : futures) {
          f.get(60, TimeUnit.SECONDS);
        }
        assertThat(admitted.get()).as("admitted in repetition %d", repetition).isEqualTo(100);
      }
    } finally {
      pool.shutdownNow();
      stores.forEach(RedisRateLimitStore::close);
    }
  }
}
