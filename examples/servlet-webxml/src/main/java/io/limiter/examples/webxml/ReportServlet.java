package io.limiter.examples.webxml;

import io.limiter.annotation.RateLimit;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * {@code GET /reports/<name>}: three reports per minute per API key ({@code X-API-Key} header). A request without the
 * header is refused with 401, the filter's default for a missing key.
 */
public class ReportServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  @RateLimit(value = "3/minute", key = "header:X-API-Key")
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String name = req.getPathInfo() == null ? "summary" : req.getPathInfo().substring(1);
    resp.setContentType("application/json");
    resp.getWriter().println("{\"report\":\"" + name.replaceAll("[^A-Za-z0-9_-]", "") + "\",\"rows\":42}");
  }
}
