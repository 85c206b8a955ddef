package io.limiter.spring.webflux;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Decision;
import io.limiter.test.RawHttp;
import io.limiter.test.WebFilterCases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Collectors;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.server.PathContainer;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * A Spring WebFlux application on Netty (port 0, loopback) for the WebFilter's ITs, configured from properties as a
 * user would configure it. Its handlers serve {@code /api/**}, {@code /files/**}, {@code /health} and everything else
 * ({@code /**}); each records, inside the server, whether the exchange carries the decisions of the rules that cover
 * it ({@link WebFilterCases#ruleOf}).
 */
final class WebFluxApp implements AutoCloseable {

  /** HTTP/1.1 only: no h2c upgrade attempt on every first request of a connection (Netty does not speak h2c). */
  static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(30)).build();

  private final ConfigurableApplicationContext context;
  private final int port;

  private WebFluxApp(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port", "0"));
  }

  /**
   * @param properties the application's properties
   * @param extraConfiguration more configuration classes
   * @return the running application
   */
  static WebFluxApp start(Map<String, ?> properties, Class<?>... extraConfiguration) {
    // initialised here, not by a handler on an event loop: building its forgery cases seeds a store from SecureRandom
    assertThat(WebFilterCases.FORGERIES).isNotEmpty();
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("server.port", "0");
    all.put("server.address", "127.0.0.1");
    all.put("spring.main.banner-mode", "off");
    all.putAll(properties);
    Class<?>[] sources = new Class<?>[extraConfiguration.length + 1];
    sources[0] = App.class;
    System.arraycopy(extraConfiguration, 0, sources, 1, extraConfiguration.length);
    return new WebFluxApp(new SpringApplicationBuilder(sources).web(WebApplicationType.REACTIVE).properties(all)
        .run());
  }

  ConfigurableApplicationContext context() {
    return context;
  }

  int port() {
    return port;
  }

  HttpResponse<String> get(String path, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60));
    if (headers.length > 0) {
      request.headers(headers);
    }
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + path + " failed: " + e, e);
    }
  }

  /** One request with the target exactly as given, byte for byte. */
  RawHttp.Response raw(String target, String... headers) {
    return RawHttp.get("127.0.0.1", port, target, headers);
  }

  Handlers handlers() {
    return context.getBean(Handlers.class);
  }

  @Override
  public void close() {
    context.close();
  }

  /** Closes what a test class started (applications, Redis), skipping what was not (a failed start). */
  static void closeAll(AutoCloseable... started) {
    for (AutoCloseable c : started) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException("could not close " + c, e);
        }
      }
    }
  }

  /** The application. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @org.springframework.context.annotation.Bean
    Handlers handlers() {
      return new Handlers();
    }

    @org.springframework.context.annotation.Bean
    Annotated annotated() {
      return new Annotated();
    }
  }

  /** A handler limited by {@code @RateLimit} (on Redis in WebFilterRedisIT), outside the filter's rules. */
  @RestController
  static class Annotated {
    /** The threads the method ran on, in every application of the JVM (its bean is a proxy: no instance fields). */
    static final Queue<String> THREADS = new ConcurrentLinkedQueue<>();

    @GetMapping("/annotated")
    @RateLimit(name = "annotated", value = "1000/minute", key = "global")
    Mono<String> annotated() {
      return Mono.fromSupplier(() -> {
        THREADS.add(Thread.currentThread().getName());
        return "annotated";
      });
    }
  }

  /** Handlers that check, inside the server, that the filter charged the rules covering them. */
  @RestController
  static class Handlers {
    final Queue<String> reached = new ConcurrentLinkedQueue<>();
    final Queue<String> uncounted = new ConcurrentLinkedQueue<>();
    /** The threads the handlers ran on. */
    final Queue<String> threads = new ConcurrentLinkedQueue<>();

    @GetMapping("/api/**")
    Mono<String> api(ServerWebExchange exchange) {
      return Mono.just(demand("api", exchange));
    }

    @GetMapping("/files/**")
    Mono<String> files(ServerWebExchange exchange) {
      return Mono.just(demand("files", exchange));
    }

    @GetMapping("/health")
    Mono<String> health(ServerWebExchange exchange) {
      return Mono.just(demand("health", exchange));
    }

    @GetMapping("/**")
    Mono<String> all(ServerWebExchange exchange) {
      return Mono.just(demand("all", exchange));
    }

    private String demand(String name, ServerWebExchange exchange) {
      Object attribute = exchange.getAttribute(RateLimitWebFilter.DECISIONS_ATTRIBUTE);
      Set<String> counted = attribute == null ? Set.of() : ((Collection<?>) attribute).stream()
          .map(d -> ((Decision) d).policy().name()).collect(Collectors.toSet());
      // what the handler under /api would read as its path: the decoded segments after the first
      List<PathContainer.Element> elements = exchange.getRequest().getPath().pathWithinApplication().elements();
      StringBuilder rest = new StringBuilder();
      boolean first = true;
      for (PathContainer.Element e : elements) {
        if (e instanceof PathContainer.PathSegment segment) {
          if (first) {
            first = false;
            continue;
          }
          rest.append('/').append(segment.valueToMatch());
        }
      }
      Set<String> required = new TreeSet<>(WebFilterCases.ruleOf(name, rest.toString()));
      threads.add(Thread.currentThread().getName());
      String where = exchange.getRequest().getPath().value() + " -> " + name + " " + rest;
      reached.add(where);
      if (!counted.containsAll(required)) {
        uncounted.add(where + " counted " + counted + ", needs " + required);
      }
      return "ok";
    }
  }

  /** @return the requests of {@code path} admitted (200) of {@code n} sent one after another */
  int admitted(String path, int n, String... headers) {
    int admitted = 0;
    for (int i = 0; i < n; i++) {
      admitted += get(path, headers).statusCode() == 200 ? 1 : 0;
    }
    return admitted;
  }
}
