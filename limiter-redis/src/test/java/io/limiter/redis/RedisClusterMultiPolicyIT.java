package io.limiter.redis;

import static io.limiter.redis.RedisMultiPolicyIT.evalshaCalls;
import static io.limiter.redis.RedisMultiPolicyIT.policy;
import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.SlotHash;
import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.RateLimiter;
import io.limiter.core.Reservation;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A request's several policies on a Redis Cluster ({@link io.limiter.core.RateLimitStore#reserveAll}): one script call
 * when every key hashes to one slot, else one call per policy (reserved in order, refunded on a rejection); counted
 * with {@code INFO commandstats} on every master.
 */
class RedisClusterMultiPolicyIT {

  @RegisterExtension
  static final RedisExtension CLUSTER = RedisExtension.cluster(3);

  private long calls() {
    long sum = 0;
    for (int node = 0; node < 3; node++) {
      sum += evalshaCalls(CLUSTER.onNode(node, c -> c.info("commandstats")));
    }
    return sum;
  }

  /** A policy name whose key for {@code key} hashes to the same slot as {@code other}'s. */
  private static String sameSlot(RedisRateLimitStore store, String other, String key) {
    int slot = SlotHash.getSlot(store.redisKey(other, key));
    for (int i = 0; ; i++) {
      String name = "p" + i;
      if (SlotHash.getSlot(store.redisKey(name, key)) == slot) {
        return name;
      }
    }
  }

  @Test
  void keysOfOneSlotGoInOneCallOthersTheDefaultWay() {
    try (RedisRateLimitStore store = RedisRateLimitStore.builder().cluster(CLUSTER.uris())
        .clientResources(CLUSTER.resources()).keyPrefix("multi:")
        .commandTimeout(Duration.ofSeconds(30)).connectTimeout(Duration.ofSeconds(30)).build()) {
      String partner = sameSlot(store, "a", "k");
      RateLimiter a = RateLimiter.of(policy("a", "10/hour", Algorithm.TOKEN_BUCKET), store);
      RateLimiter b = RateLimiter.of(policy(partner, "2/day", Algorithm.FIXED_WINDOW), store);
      RateLimiter elsewhere = RateLimiter.of(policy("b", "10/hour", Algorithm.TOKEN_BUCKET), store);
      assertThat(SlotHash.getSlot(store.redisKey("b", "k")))
          .isNotEqualTo(SlotHash.getSlot(store.redisKey("a", "k")));
      Claim.reserveAll(List.of(a.claim("warm", 1), elsewhere.claim("warm", 1))).forEach(Reservation::refund);
      Claim.reserveAll(List.of(a.claim("k", 1), b.claim("k", 1))).forEach(Reservation::refund); // loads the script
      for (int node = 0; node < 3; node++) {
        CLUSTER.onNode(node, c -> c.configResetstat());
      }
      assertThat(Claim.reserveAll(List.of(a.claim("k", 1), b.claim("k", 1)))).allMatch(Reservation::taken);
      assertThat(calls()).as("keys of one slot: one call").isEqualTo(1);
      assertThat(Claim.reserveAll(List.of(a.claim("k", 1), elsewhere.claim("k", 1)))).allMatch(Reservation::taken);
      assertThat(calls()).as("keys of two slots: one call each").isEqualTo(3);
      Claim.reserveAll(List.of(a.claim("k", 1), b.claim("k", 1)));
      List<Reservation> rejected = Claim.reserveAll(List.of(a.claim("k", 1), b.claim("k", 1)));
      assertThat(rejected.get(1).decision().rejected()).isTrue();
      assertThat(a.acquire("k", 1).remaining()).as("a kept none of the rejected request's permit")
          .isEqualTo(10 - 4);
    }
  }
}
