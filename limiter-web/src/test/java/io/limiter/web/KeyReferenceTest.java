package io.limiter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.KeyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyReferenceTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
      "ip | ip",
      " IP  | ip",
      "header:X-API-Key | header:X-API-Key",
      "HEADER: X-API-Key | header:X-API-Key",
      "principal | principal",
      "attribute:tenant.id | attribute:tenant.id",
      "global | global",
      "header:X-API-Key,ip | header:X-API-Key, ip",
      "principal , attribute:plan | principal, attribute:plan"
  })
  void parsesAndRoundTrips(String text, String normalized) {
    KeyReference ref = KeyReference.parse(text);
    assertThat(ref).hasToString(normalized);
    assertThat(KeyReference.parse(ref.toString())).isEqualTo(ref);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "ipv4", "ip:x", "header", "header:", "header:X API", "header:X\"", "attribute:",
      "global:1", "principal:x", "#apiKey", "ip,", ",ip", "ip,,header:a"})
  void rejectsWithTheFormsItAccepts(String text) {
    assertThatThrownBy(() -> KeyReference.parse(text)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ip, header:<name>, principal, attribute:<name> or global");
  }

  @Test
  void resolvesEveryKind() {
    FakeRequest request = new FakeRequest();
    request.peer("192.0.2.1");
    request.header("X-API-Key", "  k1 ");
    request.principal("alice");
    request.attribute("plan", 42);
    ClientIpResolver ip = ClientIpResolver.peerOnly();
    assertThat(KeyReference.parse("ip").toResolver(ip).resolve(request)).isEqualTo("ip:192.0.2.1");
    assertThat(KeyReference.parse("header:X-API-Key").toResolver(ip).resolve(request)).isEqualTo("h:x-api-key:k1");
    assertThat(KeyReference.parse("principal").toResolver(ip).resolve(request)).isEqualTo("p:alice");
    assertThat(KeyReference.parse("attribute:plan").toResolver(ip).resolve(request)).isEqualTo("a:plan:42");
    assertThat(KeyReference.parse("global").toResolver(ip).resolve(request)).isEqualTo("global");
    assertThat(KeyReference.parse("header:X-API-Key, ip").toResolver(ip).resolve(request))
        .isEqualTo("c:h:x-api-key:k1|ip:192.0.2.1");
    // tiers read the plain values
    assertThat(KeyReference.parse("header:X-API-Key").toValueResolver(ip).resolve(request)).isEqualTo("k1");
    assertThat(KeyReference.parse("attribute:plan").toValueResolver(ip).resolve(request)).isEqualTo("42");
    assertThat(KeyReference.parse("principal").toValueResolver(ip).resolve(request)).isEqualTo("alice");
  }

  @Test
  void noClientValueOfOneKindSpellsAKeyOfAnother() {
    ClientIpResolver ip = ClientIpResolver.peerOnly();
    FakeRequest victim = new FakeRequest();
    victim.peer("203.0.113.7");
    victim.header("X-API-Key", "k1");
    victim.principal("alice");
    victim.attribute("tenant", "t1");
    victim.header("X-Other", "k1");
    victim.attribute("tenant:x", "t1");
    java.util.List<String> references = java.util.List.of("ip", "header:X-API-Key", "header:X-Other", "principal",
        "attribute:tenant", "attribute:tenant:x", "global", "header:X-API-Key, ip", "ip, principal");
    java.util.Map<String, String> victimKeys = new java.util.HashMap<>(); // key -> reference
    for (String reference : references) {
      victimKeys.put(KeyReference.parse(reference).toResolver(ip).resolve(victim), reference);
    }
    assertThat(victimKeys).hasSameSizeAs(references);
    // the attacker puts each victim key, and each key's value part, into every client-controlled place
    for (String forged : new java.util.ArrayList<>(victimKeys.keySet())) {
      for (String value : java.util.List.of(forged, forged.substring(forged.indexOf(':') + 1))) {
        FakeRequest attacker = new FakeRequest();
        attacker.peer("198.51.100.1");
        attacker.header("X-API-Key", value);
        attacker.header("X-Other", value);
        attacker.principal(value);
        attacker.attribute("tenant", value);
        attacker.attribute("tenant:x", value);
        for (String reference : references) {
          String key = KeyReference.parse(reference).toResolver(ip).resolve(attacker);
          // the same kind with the same value is the same client; any other match would be a forgery
          assertThat(victimKeys.getOrDefault(key, reference)).as("%s from %s = %s", reference, value, key)
              .isEqualTo(reference);
        }
      }
    }
  }

  @Test
  void missingPartsAreMissingKeys() {
    FakeRequest request = new FakeRequest();
    request.header("X-API-Key", "   ");
    request.peer("192.0.2.1");
    KeyResolver<HttpRequestView> header = KeyReference.parse("header:X-API-Key").toResolver(
        ClientIpResolver.peerOnly());
    assertThat(header.resolve(request)).isNull();
    assertThat(KeyReference.parse("header:X-API-Key, ip").toResolver(ClientIpResolver.peerOnly()).resolve(request))
        .isNull();
    assertThat(KeyReference.parse("principal").toResolver(ClientIpResolver.peerOnly()).resolve(request)).isNull();
    assertThat(KeyReference.parse("attribute:x").toResolver(ClientIpResolver.peerOnly()).resolve(request)).isNull();
  }

  @Test
  void describesWhatIsMissing() {
    assertThat(KeyReference.parse("header:X-API-Key").describe()).isEqualTo("the header X-API-Key");
    assertThat(KeyReference.parse("principal, attribute:t").describe())
        .isEqualTo("an authenticated user and the request attribute t");
  }

  @Test
  void challengesNameTheFirstHeaderAndOtherKeysHaveNone() {
    assertThat(KeyReference.parse("header:X-API-Key").challenge()).hasValue("ApiKey header=\"X-API-Key\"");
    assertThat(KeyReference.parse("ip, header:X-Tenant, header:X-Key").challenge())
        .hasValue("ApiKey header=\"X-Tenant\"");
    assertThat(KeyReference.parse("principal").challenge()).isEmpty();
    assertThat(KeyReference.parse("attribute:a, ip").challenge()).isEmpty();
  }
}
