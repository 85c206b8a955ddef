package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.test.NonBlocking;
import io.limiter.test.RawHttp;
import io.limiter.test.WebFilterCases;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Request targets the path table ({@link WebFilterCases#SPELLINGS}) does not spell, on Netty: the absolute form
 * ({@code GET http://host/api/data}, RFC 9112 3.2.2, which a server must accept), the path table under a
 * {@code spring.webflux.base-path} with spellings of the base path itself, and methods other than GET ({@code HEAD},
 * {@code OPTIONS *}). Whichever handler serves one, it must carry the decision of the rule covering its route, or the
 * request is refused; nothing crashes the filter (no 500).
 */
@ExtendWith(NonBlocking.class)
class WebFilterTargetIT {

  static WebFluxApp plain;
  static WebFluxApp based;

  @BeforeAll
  static void start() {
    plain = WebFluxApp.start(WebFilterCases.bootProperties(WebFilterCases.PATH_RULES));
    Map<String, Object> p = new LinkedHashMap<>(WebFilterCases.bootProperties(WebFilterCases.PATH_RULES));
    p.put("spring.webflux.base-path", "/base");
    based = WebFluxApp.start(p);
  }

  @AfterAll
  static void stop() {
    for (WebFluxApp app : new WebFluxApp[] {plain, based}) {
      if (app != null) {
        app.close();
      }
    }
  }

  @Test
  void absoluteFormTargetsAreCountedByTheRouteThatServesThem() {
    List<String> targets = new ArrayList<>();
    for (String authority : new String[] {"http://127.0.0.1:" + plain.port(), "http://other.example",
        "HTTP://other.example:80", "http://user@other.example"}) {
      for (String spelling : WebFilterCases.SPELLINGS) {
        if (spelling.startsWith("/")) {
          targets.add(authority + spelling);
        }
      }
    }
    assertCountedOrRefused(plain, targets, "GET");
  }

  @Test
  void theTableUnderABasePathAndSpellingsOfTheBasePath() {
    List<String> targets = new ArrayList<>();
    for (String spelling : WebFilterCases.SPELLINGS) {
      targets.add("/base" + spelling);
    }
    for (String base : new String[] {"/BASE", "/base/.", "//base", "/ba%73e", "/base/../base", "/./base", "/base/",
        "/x/../base"}) {
      targets.add(base + "/api/data");
      targets.add(base + "/api/%64ata");
    }
    assertCountedOrRefused(based, targets, "GET");
    // the base path followed by ;params or an encoded slash: Spring's own RequestPath refuses the context path with an
    // IllegalArgumentException before any WebFilter runs (a 500 of the framework's, no handler reached, nothing to
    // limit); pinned so that a change of that behaviour gets looked at
    int reached = based.handlers().reached.size();
    for (String target : new String[] {"/base;x=1/api/data", "/base%2F./api/data"}) {
      assertThat(send(based, "GET", target)).as(target).isEqualTo(500);
    }
    assertThat(based.handlers().reached).hasSize(reached);
  }

  @Test
  void headAndOptionsAreCountedLikeGet() {
    List<String> targets = new ArrayList<>(WebFilterCases.SPELLINGS);
    assertCountedOrRefused(plain, targets, "HEAD");
    // OPTIONS * (asterisk form) names no resource: whatever Netty does with it, the filter must not fail
    int status = send(plain, "OPTIONS", "*");
    assertThat(status).as("OPTIONS *").isNotEqualTo(500);
  }

  private static void assertCountedOrRefused(WebFluxApp app, List<String> targets, String method) {
    WebFluxApp.Handlers handlers = app.handlers();
    handlers.uncounted.clear();
    List<String> unexpected = new ArrayList<>();
    for (String target : targets) {
      int status = send(app, method, target);
      if (status != 200 && status != 400 && status != 404 && status != 429) {
        unexpected.add(method + " " + target + " -> " + status);
      }
    }
    assertThat(handlers.uncounted).as("handlers reached without their route's rule").isEmpty();
    assertThat(unexpected).as("statuses other than 200, 400, 404, 429").isEmpty();
  }

  /** One request, the method and target byte for byte; returns the status. */
  private static int send(WebFluxApp app, String method, String target) {
    return RawHttp.send(method, "127.0.0.1", app.port(), target).status();
  }
}
