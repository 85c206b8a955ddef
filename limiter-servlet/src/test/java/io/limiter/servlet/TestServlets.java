package io.limiter.servlet;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Decision;
import io.limiter.core.RateLimitListener;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/** Servlets and a listener that the integration tests deploy. */
final class TestServlets {

  private TestServlets() {
  }

  /** Counts how often the handler really runs; answers {@code ok} and how many shadow rejections were flagged. */
  static class Counting extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient AtomicInteger calls = new AtomicInteger();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(req, resp);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(req, resp);
    }

    void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      calls.incrementAndGet();
      Object shadow = req.getAttribute(RateLimitFilter.SHADOW_REJECTIONS_ATTRIBUTE);
      resp.setContentType("text/plain");
      resp.getWriter().print("ok shadow=" + (shadow == null ? 0 : ((List<?>) shadow).size()));
    }
  }

  /** Forwards to the path in the {@code to} query parameter. */
  static final class Forwarding extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
      req.getRequestDispatcher(req.getParameter("to")).forward(req, resp);
    }
  }

  /** Includes the path in the {@code to} query parameter. */
  static final class Including extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
      req.getRequestDispatcher(req.getParameter("to")).include(req, resp);
    }
  }

  /** Fails with 500, which the error page handles. */
  static final class Failing extends Counting {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      calls.incrementAndGet();
      resp.sendError(500);
    }
  }

  /** Starts async processing and dispatches back to itself once. */
  static final class Async extends Counting {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      if (req.getAttribute("dispatched") == null) {
        req.setAttribute("dispatched", true);
        AsyncContext async = req.startAsync();
        async.start(async::dispatch);
        return;
      }
      handle(req, resp);
    }
  }

  /** Limited per client IP by a class-level annotation. */
  @RateLimit("3/hour")
  static final class PerIp extends Counting {
    private static final long serialVersionUID = 1L;
  }

  /** GET limited per API key; POST unlimited. */
  static final class PerKey extends Counting {
    private static final long serialVersionUID = 1L;

    @Override
    @RateLimit(value = "2/hour", key = "header:X-API-Key")
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      handle(req, resp);
    }
  }

  /** A broken annotation: the filter must fail at startup. */
  @RateLimit(value = "10/fortnight", key = "#apiKey")
  static final class Broken extends Counting {
    private static final long serialVersionUID = 1L;
  }

  /** Records every decision with its key. */
  static final class Recording implements RateLimitListener {
    final Queue<String> allowedKeys = new ConcurrentLinkedQueue<>();
    final Queue<String> overLimitKeys = new ConcurrentLinkedQueue<>();
    final Queue<Decision> overLimit = new ConcurrentLinkedQueue<>();

    @Override
    public void onAllowed(String key, Decision decision) {
      allowedKeys.add(key);
    }

    @Override
    public void onRejected(String key, Decision decision) {
      overLimitKeys.add(key);
      overLimit.add(decision);
    }
  }
}
