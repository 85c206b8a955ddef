package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The plain servlet filter's column of the annotation matrix (docs/servlet.md): every shape of {@code @RateLimit} on
 * a servlet is enforced exactly once per request. Each shape carries a 2/hour limit (or a stricter one that must win)
 * and is called until it must be rejected: a miss shows as a 200 where 429 is due, a double charge as an early 429,
 * and the servlet's own counter proves that rejected requests never ran.
 */
class AnnotationMatrixIT {

  /** A composed annotation carrying the limit. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @RateLimit("2/hour")
  @interface TwoPerHour {
  }

  /** Two levels of composition. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target({ElementType.TYPE, ElementType.METHOD})
  @TwoPerHour
  @interface Throttled {
  }

  /** Counts the calls that reached it. */
  abstract static class Counted extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger calls = new AtomicInteger();

    void handle(HttpServletResponse resp) throws IOException {
      calls.incrementAndGet();
      resp.setContentType("text/plain");
      resp.getWriter().write("ok");
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(resp);
    }
  }

  @RateLimit("2/hour")
  static class ClassLevel extends Counted {
    private static final long serialVersionUID = 1L;
  }

  static class OnDoGet extends Counted {
    private static final long serialVersionUID = 1L;

    @Override
    @RateLimit("2/hour")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(resp);
    }
  }

  static class ComposedOnDoGet extends Counted {
    private static final long serialVersionUID = 1L;

    @Override
    @TwoPerHour
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(resp);
    }
  }

  @Throttled
  static class ComposedTwiceOnClass extends Counted {
    private static final long serialVersionUID = 1L;
  }

  static class OnPublicService extends Counted {
    private static final long serialVersionUID = 1L;

    @Override
    @RateLimit("2/hour")
    public void service(ServletRequest req, ServletResponse res) throws ServletException, IOException {
      super.service(req, res);
    }
  }

  static class LooseDoGet extends Counted {
    private static final long serialVersionUID = 1L;

    @Override
    @RateLimit("5/hour")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(resp);
    }
  }

  /** Stricter than the inherited doGet: both apply, so the class's 2/hour decides. */
  @RateLimit("2/hour")
  static class StricterSubclass extends LooseDoGet {
    private static final long serialVersionUID = 1L;
  }

  /** An override without annotations keeps the inherited limit. */
  static class InheritedDoGet extends OnDoGet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(resp);
    }
  }

  /** Dispatches to the servlet named "target": by name (forward or include) or by path. */
  static final class Dispatching extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
      String how = req.getParameter("how");
      switch (how) {
        case "named-forward" -> getServletContext().getNamedDispatcher("target").forward(req, resp);
        case "named-include" -> getServletContext().getNamedDispatcher("target").include(req, resp);
        case "path-forward" -> req.getRequestDispatcher("/target").forward(req, resp);
        default -> throw new ServletException("unknown dispatch " + how);
      }
    }
  }

  /**
   * One cell: {@code expectedAdmitted} requests run the servlet, the next is refused. An include cannot set the
   * response status (the Servlet API ignores it), so a refused include shows in the body: the problem JSON where the
   * included content would be.
   */
  record Cell(String shape, Counted servlet, String path, String method, int expectedAdmitted) {
    @Override
    public String toString() {
      return shape;
    }
  }

  static Stream<Arguments> cells() {
    List<Cell> cells = new ArrayList<>();
    cells.add(new Cell("class-level", new ClassLevel(), "/target", "GET", 2));
    cells.add(new Cell("doGet", new OnDoGet(), "/target", "GET", 2));
    cells.add(new Cell("HEAD takes doGet's limit", new OnDoGet(), "/target", "HEAD", 2));
    cells.add(new Cell("composed on doGet", new ComposedOnDoGet(), "/target", "GET", 2));
    cells.add(new Cell("composed twice on class", new ComposedTwiceOnClass(), "/target", "GET", 2));
    cells.add(new Cell("public service(ServletRequest, ServletResponse)", new OnPublicService(), "/target", "GET",
        2));
    cells.add(new Cell("stricter subclass over looser inherited doGet", new StricterSubclass(), "/target", "GET",
        2));
    cells.add(new Cell("override without annotation inherits", new InheritedDoGet(), "/target", "GET", 2));
    cells.add(new Cell("named forward", new OnDoGet(), "/dispatch?how=named-forward", "GET", 2));
    cells.add(new Cell("named include", new OnDoGet(), "/dispatch?how=named-include", "GET", 2));
    cells.add(new Cell("path forward", new OnDoGet(), "/dispatch?how=path-forward", "GET", 2));
    return cells.stream().map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cells")
  void enforcedExactlyOnce(Cell cell) throws Exception {
    try (JettyApp app = JettyApp.builder()
        .servlet("target", cell.servlet(), "/target")
        .servlet("dispatch", new Dispatching(), "/dispatch")
        .namedDispatch("target").start()) {
      List<Integer> statuses = new ArrayList<>();
      String lastBody = "";
      for (int i = 0; i < cell.expectedAdmitted() + 1; i++) {
        var response = app.send(HttpRequest.newBuilder(app.uri(cell.path()))
            .method(cell.method(), HttpRequest.BodyPublishers.noBody()));
        statuses.add(response.statusCode());
        lastBody = response.body();
      }
      boolean include = cell.path().contains("include");
      List<Integer> expected = new ArrayList<>();
      for (int i = 0; i < cell.expectedAdmitted(); i++) {
        expected.add(200);
      }
      expected.add(include ? 200 : 429);
      if (include) {
        assertThat(lastBody).as("the refused include").contains("\"status\":429").doesNotContain("ok");
      }
      assertThat(statuses).as(cell.shape()).isEqualTo(expected);
      assertThat(cell.servlet().calls).as(cell.shape() + ": calls that ran").hasValue(cell.expectedAdmitted());
    }
  }
}
