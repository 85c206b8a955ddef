package io.limiter.gateway;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import reactor.core.publisher.Mono;

/**
 * A Spring Cloud Gateway application on Netty (port 0) for the ITs, configured from properties as a user would; its
 * key resolver is the request's {@code X-Api-Key} header.
 */
final class Gateway implements AutoCloseable {

  static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  private final ConfigurableApplicationContext context;
  private final int port;

  private Gateway(ConfigurableApplicationContext context) {
    this.context = context;
    this.port = Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
  }

  /**
   * @param properties the application's properties, e.g. the routes
   * @param extraConfiguration more configuration classes of the application
   * @return the running gateway
   */
  static Gateway start(Map<String, Object> properties, Class<?>... extraConfiguration) {
    Map<String, Object> all = new LinkedHashMap<>();
    all.put("server.port", "0");
    all.put("server.address", "127.0.0.1");
    all.put("spring.main.banner-mode", "off");
    all.putAll(properties);
    Class<?>[] sources = new Class<?>[extraConfiguration.length + 1];
    sources[0] = App.class;
    System.arraycopy(extraConfiguration, 0, sources, 1, extraConfiguration.length);
    return new Gateway(new SpringApplicationBuilder(sources).properties(all).run());
  }

  /**
   * Properties of one route {@code id} to {@code uri} for {@code /<id>/**} with the RequestRateLimiter filter, keyed
   * by the X-Api-Key header, and the given limiter arguments (without the {@code limiter-rate-limiter.} prefix).
   */
  static Map<String, Object> route(int index, String id, String uri, Map<String, String> limiterArgs) {
    String p = "spring.cloud.gateway.server.webflux.routes[" + index + "].";
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put(p + "id", id);
    properties.put(p + "uri", uri);
    properties.put(p + "predicates[0]", "Path=/" + id + "/**");
    properties.put(p + "filters[0].name", "RequestRateLimiter");
    properties.put(p + "filters[0].args.key-resolver", "#{@apiKeyResolver}");
    limiterArgs.forEach((name, value) -> properties.put(p + "filters[0].args.limiter-rate-limiter." + name, value));
    return properties;
  }

  ConfigurableApplicationContext context() {
    return context;
  }

  HttpResponse<String> get(String path, String apiKey, String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(60));
    if (apiKey != null) {
      request.header("X-Api-Key", apiKey);
    }
    if (headers.length > 0) {
      request.headers(headers);
    }
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("GET " + path + " failed", e);
    }
  }

  /** @return how many of {@code requests} GETs of {@code path} with the key were admitted (200) */
  int admitted(String path, String apiKey, int requests, String... headers) {
    int admitted = 0;
    for (int i = 0; i < requests; i++) {
      admitted += get(path, apiKey, headers).statusCode() == 200 ? 1 : 0;
    }
    return admitted;
  }

  @Override
  public void close() {
    context.close();
  }

  /** Closes what was started, skipping what was not (a failed start). */
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

  /** The gateway application. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    /** @return the client key: the X-Api-Key header; none makes the gateway refuse the request (deny-empty-key) */
    // tag::key-resolver[]
    @Bean
    KeyResolver apiKeyResolver() {
      return exchange -> Mono.justOrEmpty(exchange.getRequest().getHeaders().getFirst("X-Api-Key"));
    }
    // end::key-resolver[]
  }
}
