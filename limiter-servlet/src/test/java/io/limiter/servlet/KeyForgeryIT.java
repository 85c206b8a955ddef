package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.WebFilterCases;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Key forgery over real HTTP: several rules share one policy (so one key space) with keys of different kinds; a client
 * crafts a header value to equal another kind's stored key, or a reserved key, and must never share its state. The
 * peer here is always 127.0.0.1. The cases are limiter-test's {@code WebFilterCases.FORGERIES}, which the WebFlux
 * filter runs on Netty too.
 */
class KeyForgeryIT {

  /** The shared table (limiter-test), run by the WebFlux filter on Netty too. */
  @ParameterizedTest(name = "{0}")
  @FieldSource("io.limiter.test.WebFilterCases#FORGERIES")
  void noForgedKeySharesAnotherKeysState(WebFilterCases.Forgery forgery) throws Exception {
    JettyApp.Builder builder = JettyApp.builder();
    WebFilterCases.FORGERY_RULES.forEach(builder::param);
    try (JettyApp app = builder
        .servlet("api", new TestServlets.Counting(), "/ip/*", "/key/*", "/user/*", "/combo/*", "/all/*").start()) {
      String[] victim = forgery.exhausted().headers().toArray(new String[0]);
      exhaust(app, forgery.exhausted().path(), victim);
      for (WebFilterCases.Call forged : forgery.fresh()) {
        assertThat(app.get(forged.path(), forged.headers().toArray(new String[0])).statusCode()).as("%s", forged)
            .isEqualTo(200);
      }
      assertThat(app.get(forgery.exhausted().path(), victim).statusCode()).as("the victim stays limited")
          .isEqualTo(429);
    }
  }

  private static void exhaust(JettyApp app, String path, String... headers) {
    assertThat(app.get(path, headers).statusCode()).isEqualTo(200);
    assertThat(app.get(path, headers).statusCode()).isEqualTo(200);
    assertThat(app.get(path, headers).statusCode()).as("exhausted").isEqualTo(429);
  }
}
