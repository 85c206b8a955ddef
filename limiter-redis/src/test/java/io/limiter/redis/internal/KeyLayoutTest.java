package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class KeyLayoutTest {

  private final KeyLayout layout = new KeyLayout("limiter:");

  private String key(String policy, String key) {
    return layout.key(layout.policyPart(policy), key);
  }

  /** The part Redis Cluster hashes: between the first '{' and the first '}' after it. */
  private static String hashTag(String redisKey) {
    int open = redisKey.indexOf('{');
    int close = redisKey.indexOf('}', open + 1);
    return redisKey.substring(open + 1, close);
  }

  @Test
  void keysAreThePrefixAndOneHashTagOfPolicyAndKey() {
    assertThat(key("api", "alice")).isEqualTo("limiter:{api:alice}");
    assertThat(hashTag(key("api", "alice"))).isEqualTo("api:alice");
    assertThat(new KeyLayout("").key(new KeyLayout("").policyPart("p"), "k")).isEqualTo("{p:k}");
  }

  @Test
  void colonsBracesAndPercentSignsCannotMakeTwoPairsShareAKey() {
    assertThat(key("a:b", "c")).isNotEqualTo(key("a", "b:c"));
    assertThat(key("a", "b:c")).isEqualTo("limiter:{a:b:c}");
    assertThat(key("a:b", "c")).isEqualTo("limiter:{a%3Ab:c}");
    assertThat(key("p", "%7B")).isNotEqualTo(key("p", "{"));
    assertThat(key("p", "x}y{z")).isEqualTo("limiter:{p:x%7Dy%7Bz}");
    assertThat(hashTag(key("p}", "k}"))).isEqualTo("p%7D:k%7D");
  }

  @Test
  void aPrefixWithBracesIsRejected() {
    assertThatIllegalArgumentException().isThrownBy(() -> new KeyLayout("rl{x}:"))
        .withMessageContaining("hash tag").withMessageContaining("rl{x}:");
    assertThat(KeyLayout.problem("x".repeat(129))).contains("128");
    assertThat(KeyLayout.problem("app1:rl:")).isNull();
  }
}
