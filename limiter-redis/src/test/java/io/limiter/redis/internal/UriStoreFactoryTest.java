package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class UriStoreFactoryTest {

  @Test
  void everyProblemIsReportedAtOnceNamingTheOptionAndItsValue() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("command-timeout", "fast");
    settings.put("instances", "0");
    settings.put("key-prefix", "a{b}");
    settings.put("deny-cache-size", "many");
    settings.put("cluster", "yes");
    settings.put("command-timout", "100ms");
    settings.put("closed-retry-after", "10ms");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> UriStoreFactory.create(settings))
        .satisfies(e -> assertThat(e.getMessage().lines().filter(l -> l.startsWith(" - "))).hasSize(8))
        .withMessageContaining("setting uri is missing")
        .withMessageContaining("setting command-timeout=\"fast\": expected a duration such as 250ms")
        .withMessageContaining("setting instances=\"0\": instances must be between 1 and 10000 but was 0")
        .withMessageContaining("setting key-prefix=\"a{b}\"")
        .withMessageContaining("setting deny-cache-size=\"many\": expected a whole number")
        .withMessageContaining("setting cluster=\"yes\": expected true or false")
        .withMessageContaining("setting command-timout is unknown; known settings: uri, closed-retry-after, cluster")
        .withMessageContaining("setting closed-retry-after=\"10ms\": closedRetryAfter must be between PT1S");
  }

  @Test
  void aBadUriIsReportedWithTheOtherSettingsWithoutItsPassword() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> UriStoreFactory.create(Map.of("uri", "http://:secret@127.0.0.1", "recovery-backoff", "5s",
            "recovery-backoff-max", "1s")))
        .withMessageContaining("setting uri=\"http://***@127.0.0.1\": Redis URI \"http://***@127.0.0.1\" does not")
        .withMessageContaining("recoveryBackoffMax must be between PT5S")
        .withMessageNotContaining("secret");
  }

  @Test
  void tlsFilesAreCheckedWithTheOtherSettings() throws Exception {
    Path notACertificate = Files.createTempFile("not-a-certificate", ".pem");
    try {
      Files.writeString(notACertificate, "hello");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> UriStoreFactory.create(Map.of("uri", "rediss://127.0.0.1:1", "tls-ca-file",
              "/no/such/ca.pem", "tls-cert-file", notACertificate.toString())))
          .withMessageContaining("setting tls-ca-file=\"/no/such/ca.pem\": no readable file")
          .withMessageContaining("setting tls-cert-file=\"" + notACertificate + "\": cannot read certificates")
          .withMessageContaining("settings tls-cert-file and tls-key-file go together");
      assertThatIllegalArgumentException()
          .isThrownBy(() -> UriStoreFactory.create(Map.of("uri", "rediss://127.0.0.1:1", "tls-key-file",
              notACertificate.toString())))
          .withMessageContaining("only tls-key-file is set");
    } finally {
      Files.delete(notACertificate);
    }
  }

  @Test
  void durationsAreReadInShortOrIsoForm() {
    assertThat(UriStoreFactory.duration("100ms")).isEqualTo(Duration.ofMillis(100));
    assertThat(UriStoreFactory.duration(" 2 s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(UriStoreFactory.duration("1m")).isEqualTo(Duration.ofMinutes(1));
    assertThat(UriStoreFactory.duration("3h")).isEqualTo(Duration.ofHours(3));
    assertThat(UriStoreFactory.duration("PT0.25S")).isEqualTo(Duration.ofMillis(250));
    assertThat(UriStoreFactory.duration("1w")).isEqualTo(Duration.ofDays(7)); // the grammar of limits and cooldowns
    assertThatIllegalArgumentException().isThrownBy(() -> UriStoreFactory.duration("-1s"));
  }

  @Test
  void passwordsAreRedactedFromMessages() {
    assertThat(UriStoreFactory.redact("redis://user:pw@h:1,redis://:pw2@h2:2"))
        .isEqualTo("redis://***@h:1,redis://***@h2:2");
    assertThat(UriStoreFactory.redact("redis://h:1/0")).isEqualTo("redis://h:1/0");
  }
}
