package io.limiter.bench;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * P5-R's servers, all Spring Boot applications on Reactor Netty (loopback): a WebFlux endpoint answering
 * {@code 200 hello} on {@code /hello} without any filter ({@code webflux}) and with Limiter's WebFilter under a limit
 * never reached ({@code webflux-limiter}, in-memory store, configured by {@code limiter.filter.*} as a user would),
 * and a Spring Cloud Gateway route {@code /hello} to a local backend with the gateway's own {@code RedisRateLimiter}
 * ({@code gateway-redis}) or Limiter's {@code LimiterRateLimiter} on the Redis store ({@code gateway-limiter}), both
 * under a limit never reached, keyed by the client's address, on the same Redis.
 *
 * <p>The module's class path also holds Spring MVC, Tomcat and Jetty (P5's servers): every variant here asks for a
 * reactive application and for Netty explicitly, so that none of them runs on another server.
 *
 * <p>Usage: {@code ReactiveTarget <variant> [port] [redis-uri]}: starts the variant (the gateway variants need the
 * Redis URI), prints {@code LISTENING <port> /hello} and serves until stopped. Every endpoint and filter is stateless
 * or thread-safe, as Netty's event loops require.
 */
public final class ReactiveTarget implements AutoCloseable {

  /** The variants, in the order run-reactive.sh runs them. */
  public static final List<String> VARIANTS = List.of("webflux", "webflux-limiter", "gateway-redis", "gateway-limiter");

  /**
   * Permits per second of every limit here, with a capacity of as many: a token bucket the load generator on this
   * machine cannot drain (a gateway route answers some 10<sup>4</sup> requests per second). The gateway's
   * {@code RedisRateLimiter} takes whole tokens per second and a capacity, so this shape is the one both limiters
   * of the gateway route can express alike.
   */
  static final int NEVER_REACHED_PER_SECOND = 1_000_000;

  private final ConfigurableApplicationContext context;
  private final DisposableServer backend;

  private ReactiveTarget(ConfigurableApplicationContext context, DisposableServer backend) {
    this.context = context;
    this.backend = backend;
  }

  /**
   * Starts a variant.
   *
   * @param variant one of {@link #VARIANTS}
   * @param port the port, 0 for any free one
   * @param redisUri {@code redis://host:port} of the server the gateway variants share; ignored by the others
   * @return the running server
   * @throws IllegalArgumentException if the variant is unknown, or a gateway variant has no Redis URI
   */
  public static ReactiveTarget start(String variant, int port, String redisUri) {
    if (!VARIANTS.contains(variant)) {
      throw new IllegalArgumentException("unknown variant " + variant + "; known: " + VARIANTS);
    }
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("server.port", String.valueOf(port));
    properties.put("server.address", "127.0.0.1");
    properties.put("spring.main.banner-mode", "off");
    properties.put("logging.level.root", "WARN");
    if (variant.startsWith("webflux")) {
      // a WebFlux service, not a gateway: the gateway's handler mapping and web filters stay out of its requests
      properties.putAll(notAGateway());
      properties.put("limiter.store", "memory");
      if (variant.equals("webflux-limiter")) {
        properties.putAll(webFilterRule());
      } else {
        // limiter-spring installs its WebFilter in every reactive application, rules or not: the baseline has none
        properties.put("limiter.filter.enabled", "false");
      }
      return new ReactiveTarget(run(Service.class, properties), null);
    }
    if (redisUri == null || redisUri.isBlank()) {
      throw new IllegalArgumentException("variant " + variant + " needs the Redis URI (third argument)");
    }
    java.net.URI redis = java.net.URI.create(redisUri);
    DisposableServer backend = HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.header("Content-Type", "text/plain")
            .sendString(Mono.just("hello\n"), StandardCharsets.US_ASCII))
        .bindNow();
    try {
      // only the route's rate limiter differs between the two gateways: neither runs Limiter's WebFilter
      properties.put("limiter.filter.enabled", "false");
      properties.put("spring.data.redis.host", redis.getHost());
      properties.put("spring.data.redis.port", String.valueOf(redis.getPort()));
      properties.putAll(route(variant, "http://127.0.0.1:" + backend.port()));
      return new ReactiveTarget(run(Gateway.class, properties), backend);
    } catch (RuntimeException e) {
      backend.disposeNow();
      throw e;
    }
  }

  /**
   * Properties that keep Spring Cloud Gateway out of an application whose class path holds it (this module's). The
   * gateway's {@code enabled=false} alone is not enough: its Redis auto-configuration still creates a
   * {@code RedisRateLimiter}, which then misses the gateway's {@code ConfigurationService}.
   *
   * @return the properties
   */
  static Map<String, Object> notAGateway() {
    return Map.of("spring.cloud.gateway.server.webflux.enabled", "false",
        "spring.autoconfigure.exclude", "org.springframework.cloud.gateway.config.GatewayRedisAutoConfiguration,"
            + "io.limiter.gateway.boot.LimiterGatewayAutoConfiguration");
  }

  /** The WebFilter's rule over {@code /hello}, per client IP (the default key), a limit never reached. */
  static Map<String, Object> webFilterRule() {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("limiter.filter.rules[0].name", "hello");
    rule.put("limiter.filter.rules[0].paths", "/hello");
    rule.put("limiter.filter.rules[0].limits", NEVER_REACHED_PER_SECOND + "/second");
    return rule;
  }

  /**
   * The route {@code /hello} to the backend with the RequestRateLimiter filter: the gateway's
   * {@code RedisRateLimiter} for {@code gateway-redis} (Limiter's auto-configuration off, so the route gets the
   * gateway's own limiter exactly as without Limiter), Limiter's default one on its Redis store for
   * {@code gateway-limiter}. The same key resolver, the same shape of limit, the same Redis.
   */
  static Map<String, Object> route(String variant, String backendUri) {
    String p = "spring.cloud.gateway.server.webflux.routes[0].";
    Map<String, Object> route = new LinkedHashMap<>();
    route.put(p + "id", "hello");
    route.put(p + "uri", backendUri);
    route.put(p + "predicates[0]", "Path=/hello");
    route.put(p + "filters[0].name", "RequestRateLimiter");
    route.put(p + "filters[0].args.key-resolver", "#{@peerKeyResolver}");
    if (variant.equals("gateway-redis")) {
      route.put("spring.cloud.gateway.server.webflux.limiter-rate-limiter.enabled", "false");
      route.put("limiter.store", "memory");
      route.put(p + "filters[0].args.redis-rate-limiter.replenish-rate", String.valueOf(NEVER_REACHED_PER_SECOND));
      route.put(p + "filters[0].args.redis-rate-limiter.burst-capacity", String.valueOf(NEVER_REACHED_PER_SECOND));
      route.put(p + "filters[0].args.redis-rate-limiter.requested-tokens", "1");
    } else {
      route.put("limiter.store", "redis");
      route.put(p + "filters[0].args.limiter-rate-limiter.limits", NEVER_REACHED_PER_SECOND + "/second");
    }
    return route;
  }

  private static ConfigurableApplicationContext run(Class<?> application, Map<String, Object> properties) {
    return new SpringApplicationBuilder(application).web(WebApplicationType.REACTIVE).properties(properties).run();
  }

  /** @return the port it listens on */
  public int port() {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  /** @return the running application, for checks */
  ConfigurableApplicationContext context() {
    return context;
  }

  @Override
  public void close() {
    context.close();
    if (backend != null) {
      backend.disposeNow();
    }
  }

  /**
   * @param args {@code <variant> [port] [redis-uri]}
   */
  public static void main(String[] args) {
    if (args.length < 1) {
      System.err.println("usage: ReactiveTarget <variant> [port] [redis-uri] | --runs; variants: " + VARIANTS);
      System.exit(2);
    }
    if (args[0].equals("--runs")) {
      VARIANTS.forEach(v -> System.out.println(v + ":open"));
      return;
    }
    ReactiveTarget target = start(args[0], args.length > 1 ? Integer.parseInt(args[1]) : 0,
        args.length > 2 ? args[2] : null);
    System.out.println("LISTENING " + target.port() + " /hello");
    System.out.flush();
  }

  /** Netty, whatever other servers the class path holds (their factories back off when one exists). */
  @Configuration(proxyBeanMethods = false)
  static class OnNetty {
    /** @return the server factory */
    @Bean
    NettyReactiveWebServerFactory nettyReactiveWebServerFactory() {
      return new NettyReactiveWebServerFactory();
    }
  }

  /** The WebFlux service: one endpoint. */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(OnNetty.class)
  public static class Service {
    /** @return the endpoint */
    @Bean
    Endpoint endpoint() {
      return new Endpoint();
    }
  }

  /** The endpoint: a constant small body, as P5's servlet answers. */
  @RestController
  public static class Endpoint {
    /** @return a constant body */
    @GetMapping(value = "/hello", produces = "text/plain")
    public String hello() {
      return "hello\n";
    }
  }

  /** The gateway: its route comes from properties ({@link #route}). */
  @SpringBootConfiguration(proxyBeanMethods = false)
  @EnableAutoConfiguration
  @Import(OnNetty.class)
  public static class Gateway {
    /** @return the client key: the peer's address (wrk's connections all come from 127.0.0.1: one hot key) */
    @Bean
    KeyResolver peerKeyResolver() {
      return exchange -> {
        InetSocketAddress peer = exchange.getRequest().getRemoteAddress();
        return Mono.justOrEmpty(peer == null ? null : peer.getAddress().getHostAddress());
      };
    }
  }
}
