package io.limiter.spring.webflux;

import io.limiter.core.KeyResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.PathSpellings;
import io.limiter.web.internal.CanonicalPath;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.PathContainer;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;

/**
 * The {@link HttpRequestView} of a Spring WebFlux {@link ServerWebExchange}: what {@link RateLimitWebFilter}'s rules
 * and request keys read, the same code as on the servlet stack.
 *
 * <ul>
 *   <li>The path: the raw request path (as the client sent it, still encoded) with the raw context path, read into
 *       its spellings by the same canonicalization as the servlet filter's, plus the reading WebFlux routes by
 *       (decoded segments, dot segments kept); an unreadable path is refused.
 *   <li>The peer: {@link ServerHttpRequest#getRemoteAddress()}, the socket's address (never a forwarded one: the
 *       {@code ip} key's trusted-proxy rules are the {@code ClientIpResolver}'s, which reads the forwarding headers
 *       itself; an application that installs Spring's {@code ForwardedHeaderTransformer} replaces the address before
 *       this view sees it, as a servlet container's remote-IP valve would).
 *   <li>The principal: its name as resolved from {@link ServerWebExchange#getPrincipal()} before deciding (that is a
 *       {@code Mono}; the view holds the result, so resolving keys never blocks).
 *   <li>Attributes: {@link ServerWebExchange#getAttributes()}.
 * </ul>
 *
 * <p>Not thread-safe: a view belongs to one exchange, used by one thread at a time.
 */
public final class ExchangeRequestView implements HttpRequestView {

  private final ServerWebExchange exchange;
  private final @Nullable String principal;
  private @Nullable PathSpellings spellings;

  private ExchangeRequestView(ServerWebExchange exchange, @Nullable String principal) {
    this.exchange = exchange;
    this.principal = principal;
  }

  /**
   * @param exchange the exchange
   * @param principalName the name of the exchange's principal, already resolved; null if anonymous
   * @return its view
   */
  public static ExchangeRequestView of(ServerWebExchange exchange, @Nullable String principalName) {
    return new ExchangeRequestView(Objects.requireNonNull(exchange, "exchange"), principalName);
  }

  /**
   * Adapts a key resolver written against {@link ServerWebExchange} to the view, for a rule's key: it is asked with
   * the exchange the view stands for. Such a resolver works on WebFlux only; asked about a request of another stack,
   * the adapter throws. It runs on the event loop and must not block.
   *
   * @param resolver the exchange resolver
   * @return the resolver over views
   */
  public static KeyResolver<HttpRequestView> resolver(KeyResolver<ServerWebExchange> resolver) {
    Objects.requireNonNull(resolver, "resolver");
    return new KeyResolver<>() {
      @Override
      public @Nullable String resolve(HttpRequestView view) {
        if (view instanceof ExchangeRequestView exchangeView) {
          return resolver.resolve(exchangeView.exchange);
        }
        throw new IllegalStateException("the key resolver " + resolver + " reads a ServerWebExchange, but the request "
            + "is a " + view.getClass().getName() + "; give a KeyResolver<HttpRequestView> to a filter of another "
            + "stack");
      }

      @Override
      public String toString() {
        return resolver.toString();
      }
    };
  }

  /** @return the exchange this view reads */
  public ServerWebExchange exchange() {
    return exchange;
  }

  @Override
  public String method() {
    return exchange.getRequest().getMethod().name();
  }

  @Override
  public PathSpellings pathSpellings() {
    PathSpellings s = spellings;
    if (s == null) {
      ServerHttpRequest request = exchange.getRequest();
      // the raw path as sent (RequestPath keeps it encoded) and the raw context path, as the servlet adapter passes
      // the request URI and context path; and WebFlux's own reading, as the servlet adapter passes the container's:
      // WebFlux routes by the decoded segments without resolving dot segments (/files/x/..;/..;/health is served
      // under /files/**), a reading the canonical spellings alone do not include
      String raw = request.getPath().value();
      s = CanonicalPath.spellings(raw, request.getPath().contextPath().value(),
          plain(raw) ? null : routedPath(request.getPath().pathWithinApplication()), null, true);
      spellings = s;
    }
    return s;
  }

  /** Whether WebFlux reads the path as sent: nothing to decode, cut or keep (the common case, checked cheaply). */
  private static boolean plain(String raw) {
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%' || c == ';' || c == '.' || c == '\\'
          || c == '/' && i + 1 < raw.length() && raw.charAt(i + 1) == '/') {
        return false;
      }
    }
    return true;
  }

  /**
   * The path as WebFlux's handler mappings match it: each segment decoded, its {@code ;params} cut, dot segments and
   * empty segments kept; null if a segment cannot be decoded (the canonical spellings then refuse or read it).
   */
  private static @Nullable String routedPath(PathContainer path) {
    StringBuilder out = new StringBuilder(path.value().length());
    try {
      for (PathContainer.Element e : path.elements()) {
        out.append(e instanceof PathContainer.PathSegment segment ? segment.valueToMatch() : e.value());
      }
    } catch (IllegalArgumentException e) {
      return null;
    }
    return out.toString();
  }

  @Override
  public @Nullable String header(String name) {
    return exchange.getRequest().getHeaders().getFirst(name);
  }

  @Override
  public List<String> headers(String name) {
    List<String> values = exchange.getRequest().getHeaders().get(name);
    return values == null ? List.of() : List.copyOf(values);
  }

  @Override
  public @Nullable String peerAddress() {
    InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
    if (remote == null) {
      return null;
    }
    InetAddress address = remote.getAddress();
    // the literal, never a host name (an unresolved address has none: its host string is what the server reported)
    return address != null ? address.getHostAddress() : remote.getHostString();
  }

  @Override
  public @Nullable String principalName() {
    return principal;
  }

  @Override
  public @Nullable Object attribute(String name) {
    return exchange.getAttributes().get(name);
  }

  @Override
  public String toString() {
    return "ExchangeRequestView{" + method() + " " + exchange.getRequest().getPath().value() + "}";
  }
}
