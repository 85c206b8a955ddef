package io.limiter.redis;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.spi.RateLimitStoreProvider;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Creating the store from text (the servlet init-param way) and what it checks when a policy first arrives. */
class RedisStoreUriIT {

  @RegisterExtension
  static final RedisExtension REDIS = RedisExtension.standalone();

  @Test
  void theServiceLoaderFindsTheRedisProviderByName() {
    RateLimitStoreProvider provider = ServiceLoader.load(RateLimitStoreProvider.class).stream()
        .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("redis")).findFirst().orElseThrow();
    try (RateLimitStore store = provider.create(Map.of("uri", REDIS.uri(), "key-prefix", "from-uri:",
        "command-timeout", "20s", "connect-timeout", "30s", "deny-cache-size", "100"))) {
      assertThat(store).isInstanceOf(RedisRateLimitStore.class).hasToString(
          "RedisRateLimitStore{prefix=from-uri:, commandTimeout=20000ms}");
      RateLimiter limiter = RateLimiter.of(LimitPolicy.of("uri", "2/minute"), store);
      assertThat(limiter.acquire("client")).isAllowed().isNotDegraded().hasRemaining(1);
      String value = REDIS.command(c -> c.get("from-uri:{uri:client}"));
      assertThat(value).startsWith("grkag8ao:"); // the shape tag: token bucket, 60,000,000,000 ns in base 36
      // keys over 256 bytes are hashed by the limiter before they reach the store
      limiter.acquire("x".repeat(1000));
      List<String> hashed = REDIS.command(c -> c.keys("from-uri:{uri:!sha256:*}"));
      assertThat(hashed).hasSize(1).allMatch(k -> k.length() < 70);
    }
  }

  @Test
  void coalescingIsASettingOnByDefault() throws Exception {
    LimitPolicy policy = LimitPolicy.of("coalesce-setting", "1000/minute");
    for (String setting : new String[] {null, "true", "false", " FALSE "}) {
      Map<String, String> settings = new java.util.HashMap<>(Map.of("key-prefix", "coalesce-setting:",
          "command-timeout", "30s", "connect-timeout", "30s"));
      if (setting != null) {
        settings.put("coalesce", setting);
      }
      boolean on = setting == null || setting.trim().equalsIgnoreCase("true");
      try (RedisRateLimitStore store = RedisRateLimitStore.fromUri(REDIS.uri(), settings)) {
        assertThat(store.toString()).as(setting).endsWith(on ? "ms}" : "ms, coalesce=false}");
        RateLimiter limiter = RateLimiter.of(policy, store);
        limiter.acquire("warm"); // scripts loaded: the held call below is the first of the vector
        REDIS.command(c -> c.clientPause(500)); // holds the first call, the others queue behind it
        List<java.util.concurrent.CompletableFuture<io.limiter.core.Decision>> calls = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
          calls.add(limiter.acquireAsync("k" + i % 2, 1).toCompletableFuture());
        }
        for (var call : calls) {
          assertThat(call.get(60, java.util.concurrent.TimeUnit.SECONDS).degraded()).isFalse();
        }
        if (on) {
          assertThat(store.stats().coalescedDecisions()).as("setting %s", setting).isPositive();
        } else {
          assertThat(store.stats().coalescedDecisions()).as("setting %s", setting).isZero();
        }
      }
    }
    assertThatIllegalArgumentException().isThrownBy(() -> RedisRateLimitStore.fromUri(REDIS.uri(),
        Map.of("coalesce", "off"))).withMessageContaining("setting coalesce=\"off\": expected true or false");
  }

  @Test
  void aLimitBeyondTheScriptsArithmeticFailsWhenItsPolicyIsFirstUsed() {
    try (RedisRateLimitStore store = RedisRateLimitStore.fromUri(REDIS.uri(), Map.of())) {
      LimitPolicy huge = LimitPolicy.builder("huge").limits(Limit.of(1, Duration.ofDays(1000), 53)).build();
      assertThatIllegalArgumentException().isThrownBy(() -> RateLimiter.of(huge, store))
          .withMessageContaining("policy huge cannot be decided on Redis");
    }
  }
}
