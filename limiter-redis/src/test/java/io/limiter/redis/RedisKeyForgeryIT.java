package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.KeyKind;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimiter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Key forgery on the Redis store: the stored key layout is the local stores' (kinds, reserved {@code !} keys, hashed
 * long keys), so no client key reaches a reserved key or another kind's, and keys given to the store directly are
 * checked before any command is sent.
 */
class RedisKeyForgeryIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  private static RedisRateLimitStore store(String prefix) {
    // keys are tested here, not start-up: build() waits until connected (a cold JVM on a loaded machine may need
    // more than the default second, and decisions made before would follow the failure mode)
    return RedisRateLimitStore.builder().uri(REDIS.uri()).keyPrefix(prefix).commandTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofSeconds(30)).build();
  }

  @Test
  void reservedKeysAndKindsKeepTheirOwnState() {
    try (RedisRateLimitStore store = store("forge:")) {
      RateLimiter limiter = RateLimiter.of(LimitPolicy.of("api", "2/hour"), store);
      MissingKeyStrategy.SharedBucket anon = (MissingKeyStrategy.SharedBucket) MissingKeyStrategy.sharedBucket("anon");
      String longKey = KeyKind.HEADER.key("x-api-key", "L".repeat(5000));
      String hashed = limiter.forKey(longKey).key();
      String ip = KeyKind.IP.key("203.0.113.7");
      for (int i = 0; i < 2; i++) {
        assertThat(limiter.acquireShared(anon, 1).allowed()).isTrue();
        assertThat(limiter.acquire(longKey).allowed()).isTrue();
        assertThat(limiter.acquire(ip).allowed()).isTrue();
      }
      assertThat(limiter.acquireShared(anon, 1).allowed()).isFalse();
      assertThat(limiter.acquire(longKey).allowed()).isFalse();
      assertThat(limiter.acquire(ip).allowed()).isFalse();
      for (String forged : List.of("!missing:anon", "missing:anon", "\\!missing:anon", hashed, hashed.substring(1),
          KeyKind.HEADER.key("x-api-key", "203.0.113.7"), KeyKind.EXPRESSION.key(ip), "a\uD800", "a?")) {
        assertThat(limiter.acquire(forged).allowed()).as("client key %s", forged).isTrue();
      }
      assertThat(REDIS.<Long>command(c -> c.exists(store.redisKey("api", "!missing:anon")))).isOne();
      assertThat(REDIS.<Long>command(c -> c.exists(store.redisKey("api", "ip:203.0.113.7")))).isOne();
      assertThat(REDIS.<Long>command(c -> c.exists(store.redisKey("api", "\\!missing:anon")))).isOne();
      assertThat(REDIS.<List<String>>command(c -> c.keys("forge:{api:!sha256:*}"))).as("the long key and the unpaired surrogate")
          .hasSize(2);
    }
  }

  @Test
  void theStoreRefusesKeysThatAreNotStoredKeys() {
    try (RedisRateLimitStore store = store("refuse:")) {
      KeySpace space = store.keySpace(LimitPolicy.of("api", "2/hour"));
      for (String bad : List.of("", " ", "x".repeat(257), "a\uD800")) {
        assertThatThrownBy(() -> space.acquire(bad, 1)).isInstanceOf(IllegalArgumentException.class);
      }
      assertThat(REDIS.<List<String>>command(c -> c.keys("refuse:*"))).as("nothing reached Redis").isEmpty();
    }
  }
}
