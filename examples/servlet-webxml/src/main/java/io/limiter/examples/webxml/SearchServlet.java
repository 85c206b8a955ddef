package io.limiter.examples.webxml;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /search?q=...}: no annotation; limited by the {@code rule.search.*} init-params in web.xml. */
public class SearchServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    String q = req.getParameter("q");
    resp.setContentType("text/plain;charset=UTF-8");
    resp.getWriter().println("results for " + (q == null ? "nothing" : q.replaceAll("[^A-Za-z0-9 ]", "")));
  }
}
