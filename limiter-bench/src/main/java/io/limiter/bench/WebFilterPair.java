package io.limiter.bench;

import io.limiter.spring.webflux.RateLimitWebFilter;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.adapter.WebHttpHandlerBuilder;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * P5-R's paired comparison: one JVM serving P5-R's WebFlux endpoint on two loopback ports, through Limiter's
 * {@code RateLimitWebFilter} on one ({@code with}) and without it on the other ({@code without}), so that the
 * load generator can take turns between them in short slices. Both sides run the same application context (the
 * {@code webflux-limiter} variant of {@link ReactiveTarget}: one rule over {@code /hello}, per client IP, in-memory
 * store, a limit never reached), the same compiled code, heap, garbage collector and Netty event loops; their
 * handlers are built alike by {@link WebHttpHandlerBuilder#applicationContext}, the {@code without} side with the
 * Limiter filter removed from the application's filters, and served by two Reactor Netty servers configured alike.
 * The filter's cost is then the one difference between the sides, measured without the run-to-run spread of separate
 * JVMs (JIT decisions, heap layout), which on two cores moved a lone server's rate by ±20% between runs.
 *
 * <p>Usage: {@code WebFilterPair}: prints {@code PAIR <with-port> <without-port> /hello} and serves until stopped.
 * Thread-safe as the servers are: the filter and the endpoint are shared by Netty's event loops.
 */
public final class WebFilterPair implements AutoCloseable {

  private final ConfigurableApplicationContext context;
  private final DisposableServer with;
  private final DisposableServer without;

  private WebFilterPair(ConfigurableApplicationContext context, DisposableServer with, DisposableServer without) {
    this.context = context;
    this.with = with;
    this.without = without;
  }

  /**
   * Starts the application and both servers on free loopback ports.
   *
   * @return the running pair
   * @throws IllegalStateException if the application does not hold exactly one Limiter filter
   */
  public static WebFilterPair start() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("server.port", "0"); // the application's own server stays idle: both sides are served below
    properties.put("server.address", "127.0.0.1");
    properties.put("spring.main.banner-mode", "off");
    properties.put("logging.level.root", "WARN");
    properties.putAll(ReactiveTarget.notAGateway());
    properties.put("limiter.store", "memory");
    properties.putAll(ReactiveTarget.webFilterRule());
    ConfigurableApplicationContext context = new SpringApplicationBuilder(ReactiveTarget.Service.class)
        .web(WebApplicationType.REACTIVE).properties(properties).run();
    DisposableServer with = null;
    try {
      int limiterFilters = context.getBeanNamesForType(RateLimitWebFilter.class).length;
      if (limiterFilters != 1) {
        throw new IllegalStateException("expected one RateLimitWebFilter in the application, found " + limiterFilters);
      }
      HttpHandler withFilter = WebHttpHandlerBuilder.applicationContext(context).build();
      HttpHandler withoutFilter = WebHttpHandlerBuilder.applicationContext(context)
          .filters(filters -> filters.removeIf(WebFilterPair::isLimiters)).build();
      with = serve(withFilter);
      DisposableServer without = serve(withoutFilter);
      return new WebFilterPair(context, with, without);
    } catch (RuntimeException e) {
      if (with != null) {
        with.disposeNow();
      }
      context.close();
      throw e;
    }
  }

  private static boolean isLimiters(WebFilter filter) {
    return filter instanceof RateLimitWebFilter;
  }

  private static DisposableServer serve(HttpHandler handler) {
    return HttpServer.create().host("127.0.0.1").port(0).handle(new ReactorHttpHandlerAdapter(handler)).bindNow();
  }

  /** @return the port served through Limiter's filter */
  public int withPort() {
    return with.port();
  }

  /** @return the port served by the same application without Limiter's filter */
  public int withoutPort() {
    return without.port();
  }

  @Override
  public void close() {
    with.disposeNow();
    without.disposeNow();
    context.close();
  }

  /**
   * @param args none
   */
  public static void main(String[] args) {
    WebFilterPair pair = start();
    System.out.println("PAIR " + pair.withPort() + " " + pair.withoutPort() + " /hello");
    System.out.flush();
  }
}
