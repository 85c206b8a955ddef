package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.servlet.EmbeddedApp.Container;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
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

  /** Raw request targets after the context path; each goes on the wire byte for byte. */
  static final List<String> SPELLINGS = List.of(
      // plain, slashes, dots
      "/api/data", "/api/data/", "/api//data", "//api/data", "/api/./data", "/api/x/../data", "/api/./././data",
      "/./api/data", "/../api/data", "/api/../api/data", "/api/data/.", "/api/data/./", "/api/data/x/..",
      // path parameters
      "/api/data;jsessionid=1", "/api;x=1/data", "/api/x/..;/data", "/api/data;/", "/api/data;%2F..%2F..%2Fhealth",
      "/api/%3B/data", "/api/data%3B", "/api/data%3Bx=1",
      // encodings
      "/api/%64ata", "/api/d%61ta", "/api%2Fdata", "/api%2fdata", "/api/%2e/data", "/api/x/%2e%2e/data",
      "/api/x/.%2E/data", "/api/%2E%2E/api/data", "/api/data/%2e", "/api/data%2F", "/api/data%2f.", "/api/data%2e",
      // encoded separators inside a segment
      "/api/x%2F..%2Fdata", "/files/a%2F..%2F..%2Fzzz", "/files/x%2F..%2F..%2Fhealth", "/files/a%2Fb",
      "/health/..%2Fapi%2Fdata", "/health%2F..%2Fapi%2Fdata", "/health/x/..%2F..%2Fapi%2Fdata",
      // backslashes, raw and encoded
      "/api\\data", "/api%5Cdata", "/api/x\\..\\data", "/api/x%5C..%5Cdata", "/files/x%5C..%5C..%5Chealth",
      "/files/x\\..\\..\\health", "/health%5C..%5Capi%5Cdata", "/health\\..\\api\\data",
      // double encodings
      "/api/%2564ata", "/api/%252e%252e/data", "/files/a%252F..%252F..%252Fzzz", "/api/%255Cdata",
      // overlong and invalid UTF-8, %u escapes
      "/api/%C0%AE%C0%AE/data", "/api/x/%C0%AE%C0%AE/data", "/api/%E0%80%AE/data", "/api/x%C0%AFdata",
      "/files/%C0%AE%C0%AE%C0%AFhealth", "/api/data%ff", "/api/%u0064ata", "/files/%u002e%u002e/health",
      // case
      "/API/data", "/Api/Data/", "/api/DATA", "/HEALTH", "/Health",
      // trailing dots and blanks
      "/api/data.", "/api/data..", "/api/data%20", "/health.", "/health%20",
      // NUL and control characters
      "/api/data%00", "/api/data%00.json", "/health%00", "/api/data%09", "/api/data%0d%0a",
      // exemption tricks
      "/health", "/health/", "/health;x=1", "/health/%2e%2e/api/data", "/health/..;/api/data", "//health",
      "/health/.", "/files/x/..;/..;/health");

  /** A handler that demands the decisions of the rules covering it, read from the request inside the container. */
  static final class Demanding extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final String name;
    private final String rule;
    final transient Queue<String> reached = new ConcurrentLinkedQueue<>();
    final transient Queue<String> uncounted = new ConcurrentLinkedQueue<>();

    Demanding(String name, String rule) {
      this.name = name;
      this.rule = rule;
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws java.io.IOException {
      Object attribute = req.getAttribute(RateLimitFilter.DECISIONS_ATTRIBUTE);
      Set<String> counted = attribute == null ? Set.of() : ((Collection<?>) attribute).stream()
          .map(d -> ((Decision) d).policy().name()).collect(Collectors.toSet());
      Set<String> required = new TreeSet<>();
      if (rule != null) {
        required.add(rule);
      }
      if (name.equals("api") && "/data".equals(carelessly(req.getPathInfo()))) {
        required.add("data");
      }
      String where = req.getRequestURI() + " -> " + name + " " + req.getServletPath() + " | " + req.getPathInfo();
      reached.add(where);
      if (!counted.containsAll(required)) {
        uncounted.add(where + " counted " + counted + ", needs " + required);
      }
      resp.setContentType("text/plain");
      resp.getWriter().print("ok");
    }
  }

  /** The path as an application that normalises generously would read it (not the filter's code). */
  static String carelessly(String pathInfo) {
    if (pathInfo == null) {
      return null;
    }
    String p = pathInfo.replaceAll("(?i)%2f|%5c", "/").replace('\\', '/').toLowerCase(Locale.ROOT);
    List<String> out = new ArrayList<>();
    for (String segment : p.split("/")) {
      if (segment.equals("..")) {
        if (!out.isEmpty()) {
          out.remove(out.size() - 1);
        }
      } else if (!segment.isEmpty() && !segment.equals(".")) {
        out.add(segment);
      }
    }
    return "/" + String.join("/", out);
  }

  @ParameterizedTest
  @EnumSource(Container.class)
  void everySpellingThatReachesAHandlerIsCountedOrRefused(Container container) throws Exception {
    Demanding api = new Demanding("api", "api");
    Demanding files = new Demanding("files", "files");
    Demanding health = new Demanding("health", null);
    Demanding all = new Demanding("all", "all");
    assertThat(SPELLINGS).hasSizeGreaterThanOrEqualTo(60).doesNotHaveDuplicates();
    List<String> unexpected = new ArrayList<>();
    int refused = 0;
    try (EmbeddedApp app = container.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "1000000/hour")
        .param("rule.data.paths", "/api/data").param("rule.data.limits", "1000000/hour")
        .param("rule.files.paths", "/files/*").param("rule.files.limits", "1000000/hour")
        .param("rule.all.paths", "/**").param("rule.all.limits", "1000000/hour")
        .param("exclude", "/health")
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
