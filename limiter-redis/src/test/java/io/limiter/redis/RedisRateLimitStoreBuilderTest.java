package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.lettuce.core.RedisClient;
import io.lettuce.core.SslOptions;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisRateLimitStoreBuilderTest {

  @Test
  void settersRejectBadValuesNamingThem() {
    RedisRateLimitStoreBuilder b = RedisRateLimitStore.builder();
    assertThatIllegalArgumentException().isThrownBy(() -> b.commandTimeout(Duration.ZERO))
        .withMessage("commandTimeout must be between PT0.001S and PT1M but was PT0S");
    assertThatIllegalArgumentException().isThrownBy(() -> b.closedRetryAfter(Duration.ofMillis(500)))
        .withMessageContaining("closedRetryAfter must be between PT1S");
    assertThatIllegalArgumentException().isThrownBy(() -> b.recoveryBackoff(Duration.ofSeconds(2),
        Duration.ofSeconds(1))).withMessageContaining("recoveryBackoffMax must be between PT2S");
    assertThatIllegalArgumentException().isThrownBy(() -> b.instances(0)).withMessageContaining("was 0");
    assertThatIllegalArgumentException().isThrownBy(() -> b.fallbackMaxKeys(15)).withMessageContaining("15");
    assertThatIllegalArgumentException().isThrownBy(() -> b.localDenyCache(-1)).withMessageContaining("-1");
    assertThatIllegalArgumentException().isThrownBy(() -> b.keyPrefix("{all}")).withMessageContaining("hash tag");
    assertThatIllegalArgumentException().isThrownBy(() -> b.uri("not a uri"))
        .withMessageContaining("\"not a uri\" does not parse");
    assertThatIllegalArgumentException().isThrownBy(() -> b.cluster(new String[0]))
        .withMessageContaining("at least one seed");
  }

  @Test
  void buildNeedsExactlyOneRedis() {
    assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder().build())
        .withMessageContaining("no Redis given");
    assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder().uri("redis://a:1")
        .cluster("redis://b:2").build()).withMessageContaining("more than one Redis given");
    RedisClient client = RedisClient.create();
    try {
      assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder().client(client)
          .clientResources(client.getResources()).build())
          .withMessageContaining("clientResources apply only to clients the store creates");
    } finally {
      client.shutdown();
    }
  }

  @Test
  void sslOptionsWithoutTlsInTheUriWouldBePlainTextSoBuildRefusesThem() {
    SslOptions ssl = SslOptions.builder().jdkSslProvider().build();
    assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder().uri("redis://a:1")
        .sslOptions(ssl).build()).withMessageContaining("the Redis URI does not use TLS: use rediss://");
    assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder()
        .cluster("redis://a:1", "redis://b:2").sslOptions(ssl).build()).withMessageContaining("does not use TLS");
    assertThatIllegalStateException().isThrownBy(() -> RedisRateLimitStore.builder()
        .uri("redis-sentinel://s1:26379#mymaster").sslOptions(ssl).build()).withMessageContaining("does not use TLS");
  }
}
