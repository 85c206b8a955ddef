package io.limiter.bench;

import io.limiter.core.RateLimitStore;
import io.limiter.spring.webflux.RateLimitWebFilter;
import io.limiter.web.RateLimitRule;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.http.codec.ServerCodecConfigurer;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.AbstractServerHttpResponse;
import org.springframework.http.support.Netty4HeadersAdapter;
import org.reactivestreams.Publisher;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.server.adapter.DefaultServerWebExchange;
import org.springframework.web.server.i18n.AcceptHeaderLocaleContextResolver;
import org.springframework.web.server.i18n.LocaleContextResolver;
import org.springframework.web.server.session.DefaultWebSessionManager;
import org.springframework.web.server.session.WebSessionManager;
import reactor.core.publisher.Mono;

/**
 * P5-R's second, less noisy number: the per-request CPU of Limiter's WebFlux {@code RateLimitWebFilter} without a
 * server or a network, as P5-R's {@code webflux-limiter} variant configures it (one rule over {@code /hello}, keyed by
 * client IP, in-memory store, a limit never reached, IETF fields). {@code bare} builds a mock exchange of
 * {@code GET /hello} and runs a chain that only looks up the request's path, as a handler mapping does for every
 * request; {@code filtered} does the same through the filter: the difference of their times per operation is what the
 * filter adds to a request (deciding, the fields, the reactive composition). The filter and its store are shared by
 * the benchmark threads, as Netty's event loops share them. The response keeps its headers in Netty's
 * {@code DefaultHttpHeaders} behind Spring's {@code Netty4HeadersAdapter}, as Reactor Netty's response does (a mock
 * response's case-insensitive map costs several times more per field).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class WebFilterBenchmark {

  private static final InetSocketAddress CLIENT = new InetSocketAddress("192.0.2.1", 40000);
  private static final WebSessionManager SESSIONS = new DefaultWebSessionManager();
  private static final ServerCodecConfigurer CODECS = ServerCodecConfigurer.create();
  private static final LocaleContextResolver LOCALES = new AcceptHeaderLocaleContextResolver();
  /**
   * The chain routes as WebFlux's {@code DispatcherHandler} does for every request, by the request's parsed path
   * ({@code getPath()}, parsed once per request and kept), and does nothing else: whoever parses it first pays.
   */
  private static final WebFilterChain CHAIN = exchange -> {
    exchange.getRequest().getPath().pathWithinApplication();
    return Mono.empty();
  };

  private RateLimitWebFilter filter;

  @Setup
  public void setUp() {
    filter = RateLimitWebFilter.builder()
        .store(RateLimitStore.inMemory())
        .rule(RateLimitRule.builder("hello").paths("/hello")
            .limits(ReactiveTarget.NEVER_REACHED_PER_SECOND + "/second").build())
        .build();
  }

  /**
   * A fresh exchange as WebFlux's {@code HttpWebHandlerAdapter} makes one per request, from parts it shares across
   * requests ({@code ServerWebExchange.from} would build a codec configurer per exchange, costing far more than
   * everything measured here).
   */
  private static ServerWebExchange exchange() {
    return new DefaultServerWebExchange(MockServerHttpRequest.get("/hello").remoteAddress(CLIENT).build(),
        new NettyHeadersResponse(), SESSIONS, CODECS, LOCALES);
  }

  /** A response whose headers are Netty's, as Reactor Netty's {@code ReactorServerHttpResponse} holds them. */
  private static final class NettyHeadersResponse extends AbstractServerHttpResponse {
    NettyHeadersResponse() {
      super(DefaultDataBufferFactory.sharedInstance,
          new HttpHeaders(new Netty4HeadersAdapter(new io.netty.handler.codec.http.DefaultHttpHeaders())));
    }

    @Override
    public <T> T getNativeResponse() {
      throw new UnsupportedOperationException("no native response");
    }

    @Override
    protected Mono<Void> writeWithInternal(Publisher<? extends DataBuffer> body) {
      return Mono.empty();
    }

    @Override
    protected Mono<Void> writeAndFlushWithInternal(Publisher<? extends Publisher<? extends DataBuffer>> body) {
      return Mono.empty();
    }

    @Override
    protected void applyStatusCode() {
    }

    @Override
    protected void applyHeaders() {
    }

    @Override
    protected void applyCookies() {
    }
  }

  /** @return the exchange, after the chain (which only looks up the path) */
  @Benchmark
  public ServerWebExchange bare() {
    ServerWebExchange exchange = exchange();
    CHAIN.filter(exchange).subscribe();
    return exchange;
  }

  /** @return the exchange, after the filter (which admits it) and the same chain */
  @Benchmark
  public ServerWebExchange filtered() {
    ServerWebExchange exchange = exchange();
    filter.filter(exchange, CHAIN).subscribe();
    if (exchange.getResponse().getStatusCode() != null) {
      throw new IllegalStateException("the filter answered " + exchange.getResponse().getStatusCode());
    }
    return exchange;
  }
}
