package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.servlet.EmbeddedApp.Container;
import io.limiter.test.WebFilterCases;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The path-spelling suite: every spelling of a path that reaches a handler is counted by the rule that covers the
 * handler, or is refused. Run against Jetty and Tomcat, each in its default and in lenient URI configurations, since
 * the containers differ exactly in which spellings they accept and where they route them.
 *
 * <p>The application: servlets at {@code /api/*}, {@code /files/*}, {@code /health} (exact) and {@code /} (catch-all);
 * rules {@code api} on {@code /api/*}, {@code data} on {@code /api/data}, {@code files} on {@code /files/*} and
 * {@code all} on {@code /**}; {@code /health} exempt. Each handler checks, inside the container, that the request
 * carries the decision of the rule covering it; the {@code /api/*} handler also demands {@code data} whenever its
 * path info, read as a careless application might (backslashes and encoded slashes as separators, dot segments
 * resolved, any case), is {@code /data}. Limits are high: this suite is about being counted, not about refusals.
 */
class PathSpellingIT {

  /** Raw request targets after the context path: the table both filters run (limiter-test). */
  static final List<String> SPELLINGS = WebFilterCases.SPELLINGS;

  /** A handler that demands the decisions of the rules covering it, read from the request inside the container. */
  static final class Demanding extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final String name;
    final transient Queue<String> reached = new ConcurrentLinkedQueue<>();
    final transient Queue<String> uncounted = new ConcurrentLinkedQueue<>();

    Demanding(String name) {
      this.name = name;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws java.io.IOException {
      Object attribute = req.getAttribute(RateLimitFilter.DECISIONS_ATTRIBUTE);
      Set<String> counted = attribute == null ? Set.of() : ((Collection<?>) attribute).stream()
          .map(d -> ((Decision) d).policy().name()).collect(Collectors.toSet());
      // api's path info, read generously, may be /data: then the data rule must have counted it too
      Set<String> required = new TreeSet<>(WebFilterCases.ruleOf(name, req.getPathInfo()));
      String where = req.getRequestURI() + " -> " + name + " " + req.getServletPath() + " | " + req.getPathInfo();
      reached.add(where);
      if (!counted.containsAll(required)) {
        uncounted.add(where + " counted " + counted + ", needs " + required);
      }
      resp.setContentType("text/plain");
      resp.getWriter().print("ok");
    }
  }

  @ParameterizedTest
  @EnumSource(Container.class)
  void everySpellingThatReachesAHandlerIsCountedOrRefused(Container container) throws Exception {
    Demanding api = new Demanding("api");
    Demanding files = new Demanding("files");
    Demanding health = new Demanding("health");
    Demanding all = new Demanding("all");
    assertThat(SPELLINGS).hasSizeGreaterThanOrEqualTo(60).doesNotHaveDuplicates();
    List<String> unexpected = new ArrayList<>();
    int refused = 0;
    EmbeddedApp.Builder<?> builder = container.builder();
    WebFilterCases.PATH_RULES.forEach(builder::param);
    try (EmbeddedApp app = builder
        .servlet("api", api, "/api/*").servlet("files", files, "/files/*").servlet("health", health, "/health")
        .servlet("all", all, "/").start()) {
      for (String spelling : SPELLINGS) {
        int status = app.raw(spelling).status();
        if (status == 400) {
          refused++;
        } else if (status != 200 && status != 404) {
          unexpected.add(spelling + " -> " + status);
        }
      }
    }
    List<String> uncounted = new ArrayList<>();
    int reached = 0;
    for (Demanding d : List.of(api, files, health, all)) {
      uncounted.addAll(d.uncounted);
      reached += d.reached.size();
    }
    assertThat(uncounted).as("handlers reached without their limit's decision on %s", container).isEmpty();
    assertThat(unexpected).as("statuses other than 200, 400, 404").isEmpty();
    assertThat(reached + refused).as("every spelling reached a handler or was refused, bar 404s")
        .isGreaterThanOrEqualTo(SPELLINGS.size() - 3);
    if (container.lenient) {
      assertThat(reached).as("a lenient container lets most spellings through").isGreaterThanOrEqualTo(50);
    }
  }
}
