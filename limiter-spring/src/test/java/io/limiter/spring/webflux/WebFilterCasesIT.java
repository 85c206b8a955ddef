package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.NonBlocking;
import io.limiter.test.WebFilterCases;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * The servlet filter's adversarial suites, run by the WebFlux filter on Netty from the same table
 * ({@link WebFilterCases}, limiter-test; the servlet side runs it in {@code PathSpellingIT} and {@code KeyForgeryIT} on
 * Jetty and Tomcat). Netty and WebFlux route some spellings differently from the servlet containers (no path
 * normalisation: {@code /api/x/../data} reaches {@code /api/**}, {@code //api/data} the catch-all); whichever handler
 * serves a spelling, it must carry the decision of the rule covering that route, or the request is refused.
 */
@ExtendWith(NonBlocking.class)
class WebFilterCasesIT {

  static WebFluxApp paths;
  static WebFluxApp forgery;

  @BeforeAll
  static void start() {
    paths = WebFluxApp.start(WebFilterCases.bootProperties(WebFilterCases.PATH_RULES));
    forgery = WebFluxApp.start(WebFilterCases.bootProperties(WebFilterCases.FORGERY_RULES));
  }

  @AfterAll
  static void stop() {
    for (WebFluxApp app : new WebFluxApp[] {paths, forgery}) {
      if (app != null) {
        app.close();
      }
    }
  }

  @Test
  void everySpellingThatReachesAHandlerIsCountedByItsRouteOrRefused() {
    WebFluxApp.Handlers handlers = paths.handlers();
    handlers.reached.clear();
    handlers.uncounted.clear();
    List<String> unexpected = new ArrayList<>();
    int refused = 0;
    for (String spelling : WebFilterCases.SPELLINGS) {
      int status = paths.raw(spelling).status();
      if (status == 400) {
        refused++;
      } else if (status != 200 && status != 404) {
        unexpected.add(spelling + " -> " + status);
      }
    }
    assertThat(handlers.uncounted).as("handlers reached without their route's rule on Netty").isEmpty();
    assertThat(unexpected).as("statuses other than 200, 400, 404").isEmpty();
    assertThat(handlers.reached.size() + refused).as("every spelling reached a handler or was refused")
        .isEqualTo(WebFilterCases.SPELLINGS.size());
    assertThat(handlers.reached.size()).as("Netty lets most spellings through: the filter, not the server, decides")
        .isGreaterThanOrEqualTo(50);
  }

  @Test
  void spellingsNettyRoutesElsewhereAreChargedToTheRouteThatServesThem() {
    WebFluxApp.Handlers handlers = paths.handlers();
    handlers.reached.clear();
    // the servlet containers resolve the dots and merge the slashes before routing; Netty routes them as sent
    assertThat(paths.raw("/api/x/../data").status()).isEqualTo(200);
    assertThat(paths.raw("//api/data").status()).isEqualTo(200);
    assertThat(paths.raw("/files/x%2F..%2F..%2Fhealth").status()).isEqualTo(200);
    // ;params cut but the dots kept: the servlet containers serve /health (exempt), WebFlux serves /files/**
    assertThat(paths.raw("/files/x/..;/..;/health").status()).isEqualTo(200);
    assertThat(handlers.reached).containsExactly("/api/x/../data -> api /x/../data", "//api/data -> all /data",
        "/files/x%2F..%2F..%2Fhealth -> files /x/../../health", "/files/x/..;/..;/health -> files /x/../../health");
    assertThat(handlers.uncounted).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @FieldSource("io.limiter.test.WebFilterCases#FORGERIES")
  void noForgedKeySharesAnotherKeysState(WebFilterCases.Forgery forgery) {
    // each case on keys of its own: the application is shared, the victims are not (their paths and values differ)
    String[] victim = forgery.exhausted().headers().toArray(new String[0]);
    assertThat(WebFilterCasesIT.forgery.admitted(forgery.exhausted().path(), 3, victim)).isEqualTo(2);
    for (WebFilterCases.Call forged : forgery.fresh()) {
      assertThat(WebFilterCasesIT.forgery.get(forged.path(), forged.headers().toArray(new String[0])).statusCode())
          .as("%s", forged).isEqualTo(200);
    }
    assertThat(WebFilterCasesIT.forgery.get(forgery.exhausted().path(), victim).statusCode())
        .as("the victim stays limited").isEqualTo(429);
  }
}
