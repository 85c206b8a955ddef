package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.servlet.EmbeddedApp.Container;
import io.limiter.test.RawHttp;
import io.limiter.web.PathSpellings;
import io.limiter.web.internal.CanonicalPath;
import io.limiter.web.internal.PathPattern;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property: for random paths built from the pieces that containers disagree on, {@link CanonicalPath}'s spellings
 * never point somewhere the container does not route. The containers themselves are the oracle: Jetty and Tomcat,
 * default and lenient, each with servlets at non-overlapping mappings, so "routed to servlet M" means "the path is
 * under M". For every path the container serves (and the filter would not refuse):
 * <ul>
 *   <li>some spelling matches the mapping the container routed to: a rule on it cannot be escaped;
 *   <li>no other mapping matches every spelling: an exemption on it cannot cover this request.
 * </ul>
 */
class CanonicalPathRoutingIT {

  private static final List<String> MAPPINGS = List.of("/api/*", "/files/*", "/health", "/static/*");
  private static final Map<Container, EmbeddedApp> APPS = new EnumMap<>(Container.class);

  /** Echoes how the container routed the request. */
  static final class Echo extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      byte[] body = ("<" + req.getHttpServletMapping().getPattern() + "\n" + req.getRequestURI() + "\n"
          + req.getServletPath() + "\n" + req.getPathInfo() + ">").getBytes(StandardCharsets.UTF_8);
      resp.setContentType("text/plain;charset=utf-8");
      resp.setContentLength(body.length);
      resp.getOutputStream().write(body);
    }
  }

  @BeforeContainer
  static void startEveryContainer() throws Exception {
    Filter passThrough = (request, response, chain) -> chain.doFilter(request, response);
    for (Container container : Container.values()) {
      EmbeddedApp.Builder<?> builder = container.builder().filter(passThrough);
      for (String mapping : MAPPINGS) {
        builder.servlet(mapping, new Echo(), mapping);
      }
      APPS.put(container, builder.servlet("default", new Echo(), "/").start());
    }
  }

  @AfterContainer
  static void stopThem() {
    APPS.values().forEach(EmbeddedApp::close);
    APPS.clear();
  }

  @Provide
  Arbitrary<String> paths() {
    Arbitrary<String> piece = Arbitraries.of("/", "/", "/", "//", "api", "files", "health", "static", "x", "API",
        "Health", ".", "..", "/.", "/..", "%2e", "%2E%2e", ".%2e", "%2F", "%2f", "%5C", "%5c", "\\", ";", ";p=1",
        "..;", "%3B", "%25", "%252F", "%255C", "%41", "%61pi", "%68ealth", "%20", "%09", "%00", "%C0%AE", "%E0%80%AF",
        "%u002e", "a%2Fb", "%C3%A9", "~", "*", "%2A");
    // most paths start inside a mapping, so that traversal out of it (or into another) is what gets tried
    Arbitrary<String> start = Arbitraries.of("/api/", "/files/", "/health", "/static/", "/", "/x/", "/api", "/files");
    return Combinators.combine(start, piece.list().ofMaxSize(8))
        .as((first, pieces) -> first + String.join("", pieces));
  }

  @Property(tries = 300)
  void spellingsNeverPointWhereTheContainerDoesNotRoute(@ForAll("paths") String rawPath) {
    for (Container container : Container.values()) {
      RawHttp.Response response = APPS.get(container).raw(rawPath);
      int open = response.body().indexOf('<');
      if (response.status() != 200 || open < 0) {
        Statistics.label(container.name()).collect("refused by the container");
        continue; // nothing reached a handler
      }
      String[] routed = response.body().substring(open + 1, response.body().lastIndexOf('>')).split("\n", -1);
      String mapping = routed[0];
      PathSpellings spellings = CanonicalPath.spellings(routed[1], EmbeddedApp.CONTEXT, nullable(routed[2]),
          nullable(routed[3]), true);
      if (spellings.refusal() != null) {
        Statistics.label(container.name()).collect("refused by the filter");
        continue; // before any rule or exemption
      }
      Statistics.label(container.name()).collect("served by " + mapping);
      String where = rawPath + " on " + container + " routed to " + mapping + " (" + routed[2] + " | " + routed[3]
          + "), spellings " + spellings;
      if (!mapping.equals("/")) {
        assertThat(anyMatches(PathPattern.compile(mapping, true), spellings)).as("a rule on %s", where).isTrue();
      }
      for (String other : MAPPINGS) {
        if (!other.equals(mapping)) {
          assertThat(PathPattern.allMatch(spellings, List.of(PathPattern.compile(other, true))))
              .as("an exemption of %s covers %s", other, where).isFalse();
        }
      }
    }
  }

  private static boolean anyMatches(PathPattern pattern, PathSpellings spellings) {
    for (int i = 0; i < spellings.size(); i++) {
      if (pattern.matches(spellings.get(i))) {
        return true;
      }
    }
    return false;
  }

  private static String nullable(String echoed) {
    return echoed.equals("null") ? null : echoed;
  }
}
