package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Spellings of a limited path cannot reach its handler uncounted. The rule limits {@code /api/data}; a servlet serves
 * {@code /api/*} and a catch-all servlet serves everything else, so every spelling that the container accepts
 * reaches some handler. For each spelling the client first spends its quota on the plain path, then sends the
 * spelling: it must be refused, and no handler may run. Refused by the filter means 429 (it matched the canonical
 * path); by the container, 400 (Servlet 6 containers reject ambiguous URIs). The same table runs against Jetty's
 * default URI compliance and against a lenient one ({@code UriCompliance.UNSAFE}, ambiguous URIs decoded) to show the
 * filter does not depend on the container's strictness.
 *
 * <p>Case rule: paths match case-insensitively by default ({@code case-sensitive-paths=false}), so {@code /API/data}
 * is counted even though servlet mappings are case-sensitive and it lands on the catch-all.
 */
class PathVariantIT {

  @ParameterizedTest(name = "{0} -> Jetty default {1}, lenient {2}")
  @CsvSource({
      "/api/data,              429, 429",
      "/api/data/,             429, 429",
      "/api//data,             400, 429",
      "/api/./data,            429, 429",
      "/api/x/../data,         429, 429",
      "/api/data;jsessionid=1, 429, 429",
      "/api/%64ata,            429, 429",
      "/api%2Fdata,            400, 429",
      "/api%2fdata,            400, 429",
      "/API/data,              429, 429",
      "/Api/Data/,             429, 429",
      "/api/%2e/data,          400, 429",
      "/api/x/%2e%2e/data,     400, 429",
      "/api;x=1/data,          429, 429",
  })
  void cannotEscapeTheLimit(String spelling, int defaultStatus, int lenientStatus) throws Exception {
    assertThat(statusAndHandlerRuns(spelling, false)).as("Jetty default").isEqualTo(defaultStatus);
    assertThat(statusAndHandlerRuns(spelling, true)).as("lenient container").isEqualTo(lenientStatus);
  }

  private static int statusAndHandlerRuns(String spelling, boolean lenient) throws Exception {
    TestServlets.Counting api = new TestServlets.Counting();
    TestServlets.Counting catchAll = new TestServlets.Counting();
    JettyApp.Builder builder = JettyApp.builder()
        .param("rule.data.paths", "/api/data").param("rule.data.limits", "2/hour")
        .param("rule.data.key", "header:X-Client")
        .servlet("api", api, "/api/*").servlet("catchAll", catchAll, "/");
    try (JettyApp app = (lenient ? builder.lenientUris() : builder).start()) {
      assertThat(app.get("/api/data", "X-Client", "c").statusCode()).isEqualTo(200);
      assertThat(app.get("/api/data", "X-Client", "c").statusCode()).isEqualTo(200);
      HttpResponse<String> r = app.get(spelling, "X-Client", "c");
      assertThat(api.calls.get() + catchAll.calls.get()).as("handler runs for %s", spelling).isEqualTo(2);
      return r.statusCode();
    }
  }
}
