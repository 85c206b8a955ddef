package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.docs.DocBlock;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** docs/redis.md's key layout: each example key is the one the store's {@link KeyLayout} builds. */
class RedisKeyLayoutDocsTest {

  @Test
  void theExampleKeysAreTheStoresKeys() {
    String block = DocBlock.of("docs/redis.md#key-layout").body();
    assertThat(block).startsWith("<prefix>{<policy>:<stored key>}");
    KeyLayout layout = new KeyLayout("limiter:");
    Matcher examples = Pattern.compile("limiter:\\{api:([^}]+)}").matcher(block);
    int checked = 0;
    while (examples.find()) {
      String stored = examples.group(1);
      String key = layout.key(layout.policyPart("api"), stored.replace("...", "0f"));
      assertThat(key).as(stored).startsWith(examples.group().replace("...}", ""));
      checked++;
    }
    assertThat(checked).isEqualTo(List.of("ip", "h", "!missing", "!sha256").size());
  }
}
