package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.test.ManualTicker;
import io.limiter.test.RateLimitStoreContract;
import io.limiter.test.WarmupContract;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The store contract on a real three-master Redis Cluster (started on loopback ports by the extension), plus what is
 * particular to a cluster: clients spread over every master, and exactness across instances.
 */
class RedisClusterContractIT extends RateLimitStoreContract implements WarmupContract {

  @RegisterExtension
  static final RedisExtension CLUSTER = RedisExtension.cluster(3);

  @Override
  protected RateLimitStore createStore(ManualTicker ticker) {
    return RedisRateLimitStore.builder()
        .cluster(CLUSTER.uris())
        .clientResources(CLUSTER.resources())
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30))
        .testTicker(ticker)
        .build();
  }

  @Test
  void clientsSpreadOverEveryMaster() {
    try (RedisRateLimitStore clusterStore = RedisRateLimitStore.fromUri(String.join(",", CLUSTER.uris()),
        Map.of("cluster", "true", "key-prefix", "spread:", "command-timeout", "30s", "connect-timeout", "30s"))) {
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
  void decisionsCoalescePerSlotAndStayExactPerKey() throws Exception {
    LimitPolicy policy = LimitPolicy.of("cluster-coalesce", "7/hour");
    try (RedisRateLimitStore store = RedisRateLimitStore.builder().cluster(CLUSTER.uris()).keyPrefix("coalesce:")
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build()) {
      RateLimiter limiter = RateLimiter.of(policy, store);
      // 30 keys over the three masters, 12 requests each, all in flight at once: keys of one slot share calls
      List<java.util.concurrent.CompletableFuture<io.limiter.core.Decision>> calls = new java.util.ArrayList<>();
      assertThat(limiter.acquire("warm-up").degraded()).isFalse(); // connected, topology known
      for (int node = 0; node < 3; node++) {
        CLUSTER.onNode(node, c -> c.clientPause(150)); // the first call per slot stays in flight, the rest queue
      }
      for (int k = 0; k < 30; k++) {
        for (int round = 0; round < 12; round++) {
          calls.add(limiter.acquireAsync("client-" + k, 1).toCompletableFuture());
        }
      }
      int[] admitted = new int[30];
      for (int i = 0; i < calls.size(); i++) {
        io.limiter.core.Decision d = calls.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(d.degraded()).as("%s", d).isFalse();
        if (d.allowed()) {
          admitted[i / 12]++;
        }
      }
      for (int k = 0; k < 30; k++) {
        assertThat(admitted[k]).as("admitted for client-%d", k).isEqualTo(7);
      }
      assertThat(store.stats().coalescedDecisions()).as("decisions that shared a call").isPositive();
    }
  }

  @Test
  void twoInstancesOnTheClusterAdmitExactlyTheCapacity() throws Exception {
    LimitPolicy policy = LimitPolicy.of("cluster-exact", "100/hour; 1000/day");
    List<RedisRateLimitStore> stores = List.of(
        RedisRateLimitStore.builder().cluster(CLUSTER.uris()).commandTimeout(Duration.ofSeconds(30))
            .connectTimeout(Duration.ofSeconds(30)).build(),
        RedisRateLimitStore.builder().cluster(CLUSTER.uris()).commandTimeout(Duration.ofSeconds(30))
            .connectTimeout(Duration.ofSeconds(30)).build());
    List<RateLimiter> limiters = stores.stream().map(store -> RateLimiter.of(policy, store)).toList();
    try (Hammer hammer = new Hammer(16, 2)) {
      for (int repetition = 0; repetition < 4; repetition++) {
        Hammer.Result result = hammer.round(limiters, "hot-" + repetition, 5);
        assertThat(result.degraded()).as("degraded decisions in repetition %d", repetition).isZero();
        assertThat(result.admitted()).as("admitted in repetition %d", repetition).isEqualTo(100);
      }
    } finally {
      stores.forEach(RedisRateLimitStore::close);
    }
  }
}
