package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.KeyKind;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Key forgery over real HTTP: several rules share one policy (so one key space) with keys of different kinds; a client
 * crafts a header value to equal another kind's stored key, or a reserved key, and must never share its state. The
 * peer here is always 127.0.0.1.
 */
class KeyForgeryIT {

  private static JettyApp start() throws Exception {
    return JettyApp.builder()
        .param("policy.api.limits", "2/hour")
        .param("rule.byip.paths", "/ip/*").param("rule.byip.policy", "api").param("rule.byip.key", "ip")
        .param("rule.bykey.paths", "/key/*").param("rule.bykey.policy", "api")
        .param("rule.bykey.key", "header:X-API-Key").param("rule.bykey.missing-key", "shared:anon")
        .param("rule.byuser.paths", "/user/*").param("rule.byuser.policy", "api")
        .param("rule.byuser.key", "header:X-User")
        .param("rule.combo.paths", "/combo/*").param("rule.combo.policy", "api")
        .param("rule.combo.key", "header:X-API-Key, ip")
        .param("rule.all.paths", "/all/*").param("rule.all.policy", "api").param("rule.all.key", "global")
        .servlet("api", new TestServlets.Counting(), "/ip/*", "/key/*", "/user/*", "/combo/*", "/all/*")
        .start();
  }

  private static void exhaust(JettyApp app, String path, String... headers) {
    assertThat(app.get(path, headers).statusCode()).isEqualTo(200);
    assertThat(app.get(path, headers).statusCode()).isEqualTo(200);
    assertThat(app.get(path, headers).statusCode()).as("exhausted").isEqualTo(429);
  }

  private static void assertFresh(JettyApp app, String path, String header, String value) {
    assertThat(app.get(path, header, value).statusCode()).as("%s: %s on %s", header, value, path).isEqualTo(200);
  }

  @Test
  void anApiKeySpelledAsAnIpDoesNotDrainThatIpsBucket() throws Exception {
    try (JettyApp app = start()) {
      exhaust(app, "/ip/x");
      for (String forged : List.of("127.0.0.1", "ip:127.0.0.1", "!ip:127.0.0.1", "\\ip:127.0.0.1")) {
        assertFresh(app, "/key/x", "X-API-Key", forged);
      }
      assertThat(app.get("/ip/x").statusCode()).as("the IP stays exhausted").isEqualTo(429);
    }
  }

  @Test
  void noApiKeyLandsInTheSharedMissingKeyBucket() throws Exception {
    try (JettyApp app = start()) {
      exhaust(app, "/key/x"); // no X-API-Key: the shared bucket "anon"
      for (String forged : List.of("missing:anon", "!missing:anon", "\\!missing:anon", "shared:anon", "anon")) {
        assertFresh(app, "/key/x", "X-API-Key", forged);
      }
      assertThat(app.get("/key/x").statusCode()).as("anonymous requests stay limited").isEqualTo(429);
    }
  }

  @Test
  void noApiKeyEqualsAHashedLongKey() throws Exception {
    try (JettyApp app = start()) {
      String longKey = "L".repeat(2000);
      exhaust(app, "/key/x", "X-API-Key", longKey);
      String hashed = RateLimiter.of(LimitPolicy.of("api", "2/hour"), RateLimitStore.inMemory())
          .forKey(KeyKind.HEADER.key("x-api-key", longKey)).key();
      assertThat(hashed).startsWith("!sha256:");
      for (String forged : List.of(hashed, hashed.substring(1), "h:x-api-key:" + hashed)) {
        assertFresh(app, "/key/x", "X-API-Key", forged);
      }
      assertThat(app.get("/key/x", "X-API-Key", longKey).statusCode()).isEqualTo(429);
    }
  }

  @Test
  void headersOfDifferentNamesCompositesAndTheGlobalKeyAreApart() throws Exception {
    try (JettyApp app = start()) {
      exhaust(app, "/user/x", "X-User", "bob");
      assertFresh(app, "/key/x", "X-API-Key", "bob");
      assertFresh(app, "/key/x", "X-API-Key", "h:x-user:bob");
      exhaust(app, "/combo/x", "X-API-Key", "k1");
      assertFresh(app, "/key/x", "X-API-Key", "k1|ip:127.0.0.1");
      assertFresh(app, "/key/x", "X-API-Key", "c:h:x-api-key:k1|ip:127.0.0.1");
      assertFresh(app, "/user/x", "X-User", "k1|ip:127.0.0.1");
      exhaust(app, "/all/x");
      assertFresh(app, "/key/x", "X-API-Key", "global");
      assertFresh(app, "/user/x", "X-User", "global");
      // and the other way round: a composite carrying a forged part does not reach a plain key's bucket
      exhaust(app, "/key/x", "X-API-Key", "k2");
      assertFresh(app, "/combo/x", "X-API-Key", "k2");
    }
  }
}
