package io.limiter.bench;

import io.limiter.servlet.RateLimitFilter;
import io.limiter.web.RateLimitRule;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * P5's servers: the same embedded Jetty 12 (ee10) servlet, answering {@code 200 hello} on every path, with one of the
 * {@link #VARIANTS filter variants} in front: none, Limiter's {@code RateLimitFilter}, or {@link Bucket4jIpFilter}. The load generator sends ordinary requests to {@code /hello} and, for the
 * reject-path measurement, every second request to {@code /limited}, which every rate-limiting variant guards with
 * an exhausted limit.
 *
 * <p>Usage: {@code HttpTarget <variant> [port]}: starts on loopback (port 0 picks a free one), prints
 * {@code LISTENING <port> /hello} and serves until stopped. The servlet and filters are thread-safe, as Jetty requires.
 */
public final class HttpTarget implements AutoCloseable {

  /** Variant name → the filter it installs ({@code null}: none). */
  public static final Map<String, Supplier<Filter>> VARIANTS;

  static {
    Map<String, Supplier<Filter>> variants = new LinkedHashMap<>();
    variants.put("bare", () -> null);
    variants.put("limiter", HttpTarget::limiterFilter);
    variants.put("bucket4j", () -> new Bucket4jIpFilter(LimitShape.BOTTOMLESS, LimitShape.EXHAUSTED));
    VARIANTS = java.util.Collections.unmodifiableMap(variants);
  }

  /**
   * Limiter's filter as a user would configure it for this server: per-client-IP limits (the default key) on the
   * in-memory store (the default store), one rule per path, IETF headers on every response.
   */
  static Filter limiterFilter() {
    return RateLimitFilter.builder()
        .rule(RateLimitRule.builder("open").paths("/hello").policy(LimitShape.BOTTOMLESS.policy("open")).build())
        .rule(RateLimitRule.builder("limited").paths("/limited").policy(LimitShape.EXHAUSTED.policy("limited"))
            .build())
        .build();
  }

  private final Server server;
  private final int port;

  private HttpTarget(Server server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts a server.
   *
   * @param variant a key of {@link #VARIANTS}
   * @param port the port, 0 for any free one
   * @return the running server
   * @throws Exception if Jetty cannot start
   * @throws IllegalArgumentException if the variant is unknown
   */
  public static HttpTarget start(String variant, int port) throws Exception {
    Supplier<Filter> filter = VARIANTS.get(variant);
    if (filter == null) {
      throw new IllegalArgumentException("unknown variant " + variant + "; known: " + VARIANTS.keySet());
    }
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new HelloServlet()), "/*");
    Filter f = filter.get();
    if (f != null) {
      context.addFilter(new FilterHolder(f), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    server.setHandler(context);
    server.start();
    return new HttpTarget(server, connector.getLocalPort());
  }

  /**
   * @return the {@code variant:load} runs of {@code run-http.sh} this build can serve: every variant with the open
   *     load, every rate-limiting variant also with the half-rejected load, and the Spring MVC variants if present
   */
  public static List<String> runs() {
    List<String> runs = new ArrayList<>();
    for (String variant : VARIANTS.keySet()) {
      runs.add(variant + ":open");
      if (!variant.equals("bare")) {
        runs.add(variant + ":half");
      }
    }
    try {
      Class.forName("io.limiter.bench.SpringTarget");
      runs.add("spring:open");
      runs.add("spring-ratelimit:open");
    } catch (ClassNotFoundException e) {
      // built without limiter-spring: no Spring MVC variants
    }
    return runs;
  }

  /** @return the port it listens on */
  public int port() {
    return port;
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  /**
   * @param args {@code <variant> [port]}
   * @throws Exception if the server cannot start
   */
  public static void main(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: HttpTarget <variant> [port] | --runs; variants: " + VARIANTS.keySet());
      System.exit(2);
    }
    if (args[0].equals("--runs")) {
      runs().forEach(System.out::println);
      return;
    }
    HttpTarget target = start(args[0], args.length > 1 ? Integer.parseInt(args[1]) : 0);
    System.out.println("LISTENING " + target.port() + " /hello");
    System.out.flush();
    target.server.join();
  }

  /** The endpoint: a constant small body, so that the server's own cost is as low as a servlet's can be. */
  static final class HelloServlet extends HttpServlet {
    private static final byte[] BODY = "hello\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.setContentLength(BODY.length);
      response.getOutputStream().write(BODY);
    }
  }
}
