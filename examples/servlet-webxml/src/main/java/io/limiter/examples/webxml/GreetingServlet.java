package io.limiter.examples.webxml;

import io.limiter.annotation.RateLimit;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/** {@code GET /hello}: five greetings per minute per client IP, by annotation alone. */
@RateLimit("5/minute")
public class GreetingServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setContentType("text/plain;charset=UTF-8");
    resp.getWriter().println("Hello, " + req.getRemoteAddr() + "!");
  }
}
