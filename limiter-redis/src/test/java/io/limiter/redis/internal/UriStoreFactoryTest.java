package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UriStoreFactoryTest {

  @Test
  void everyProblemIsReportedAtOnceNamingTheOptionAndItsValue() {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("commandTimeout", "fast");
    options.put("instances", "0");
    options.put("keyPrefix", "a{b}");
    options.put("denyCacheSize", "many");
    options.put("cluster", "yes");
    options.put("commandTimout", "100ms");
    options.put("closedRetryAfter", "10ms");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> UriStoreFactory.create("redis://:secret@127.0.0.1:6379", options))
        .satisfies(e -> assertThat(e.getMessage().lines().filter(l -> l.startsWith(" - "))).hasSize(7))
        .withMessageContaining("commandTimeout=\"fast\": expected a duration such as 100ms")
        .withMessageContaining("instances=\"0\": instances must be between 1 and 10000 but was 0")
        .withMessageContaining("keyPrefix=\"a{b}\"")
        .withMessageContaining("denyCacheSize=\"many\": expected a whole number")
        .withMessageContaining("cluster=\"yes\": expected true or false")
        .withMessageContaining("option \"commandTimout\" is unknown; known options: closedRetryAfter, cluster")
        .withMessageContaining("closedRetryAfter=\"10ms\": closedRetryAfter must be between PT1S")
        .withMessageContaining("redis://***@127.0.0.1:6379")
        .withMessageNotContaining("secret");
  }

  @Test
  void aBadUriIsReportedWithTheOptions() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> UriStoreFactory.create("http://127.0.0.1", Map.of("recoveryBackoff", "5s",
            "recoveryBackoffMax", "1s")))
        .withMessageContaining("URI: Redis URI \"http://127.0.0.1\" does not parse")
        .withMessageContaining("recoveryBackoffMax must be between PT5S");
  }

  @Test
  void durationsAreReadInShortOrIsoForm() {
    assertThat(UriStoreFactory.duration("100ms")).isEqualTo(Duration.ofMillis(100));
    assertThat(UriStoreFactory.duration(" 2 s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(UriStoreFactory.duration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(UriStoreFactory.duration("3h")).isEqualTo(Duration.ofHours(3));
    assertThat(UriStoreFactory.duration("PT0.25S")).isEqualTo(Duration.ofMillis(250));
    assertThatIllegalArgumentException().isThrownBy(() -> UriStoreFactory.duration("-1s"));
  }

  @Test
  void passwordsAreRedactedFromMessages() {
    assertThat(UriStoreFactory.redact("redis://user:pw@h:1,redis://:pw2@h2:2"))
        .isEqualTo("redis://***@h:1,redis://***@h2:2");
    assertThat(UriStoreFactory.redact("redis://h:1/0")).isEqualTo("redis://h:1/0");
  }
}
