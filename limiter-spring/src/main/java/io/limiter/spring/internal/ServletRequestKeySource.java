package io.limiter.spring.internal;

import io.limiter.core.KeyKind;
import io.limiter.core.KeyResolver;
import io.limiter.servlet.ServletRequestView;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.spi.RequestKeySource;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.KeyReference;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Request keys on the servlet request that Spring MVC binds to the thread ({@code RequestContextHolder}), parsed and
 * resolved by limiter-servlet's {@link KeyReference} and {@link ClientIpResolver}, so that annotations and the
 * servlet filter's URL rules read keys (and trusted proxies) the same way.
 */
public final class ServletRequestKeySource implements RequestKeySource {

  private final ClientIpResolver clientIp;

  /**
   * @param clientIp resolves {@code ip} keys and the default key
   */
  public ServletRequestKeySource(ClientIpResolver clientIp) {
    this.clientIp = Objects.requireNonNull(clientIp, "clientIp");
  }

  /** @return a source that takes the socket peer as the client IP (no trusted proxies) */
  public static ServletRequestKeySource peerAddress() {
    return new ServletRequestKeySource(ClientIpResolver.peerOnly());
  }

  @Override
  public @Nullable KeyResolver<RateLimitInvocation> reference(String reference) {
    KeyReference parsed = parse(reference);
    return parsed == null ? null : new RequestKey(parsed.toString(), parsed.toValueResolver(clientIp));
  }

  @Override
  public @Nullable KeyResolver<RateLimitInvocation> key(String reference) {
    KeyReference parsed = parse(reference);
    return parsed == null ? null : new RequestKey(parsed.toString(), parsed.toResolver(clientIp));
  }

  /** Parses a request reference; null if the text is no request reference at all (it may name a resolver). */
  private static @Nullable KeyReference parse(String reference) {
    KeyReference parsed;
    try {
      parsed = KeyReference.parse(reference);
    } catch (IllegalArgumentException e) {
      String word = reference.split("[:,]", 2)[0].trim().toLowerCase(Locale.ROOT);
      if (reference.contains(",") || word.equals("ip") || word.equals("principal") || word.equals("global")
          || word.equals("header") || word.equals("attribute")) {
        throw e;
      }
      return null;
    }
    return parsed;
  }

  @Override
  public KeyResolver<RateLimitInvocation> clientIpOr(@Nullable String outsideRequest) {
    KeyResolver<HttpRequestView> ip = KeyKind.IP.of(clientIp);
    return invocation -> {
      HttpServletRequest request = current();
      return request == null ? outsideRequest : ip.resolve(ServletRequestView.of(request));
    };
  }

  @Override
  public @Nullable Object currentRequest() {
    return current();
  }

  private static @Nullable HttpServletRequest current() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    return attributes instanceof ServletRequestAttributes servlet ? servlet.getRequest() : null;
  }

  /** A request-based key; null outside a request. */
  private record RequestKey(String reference, KeyResolver<HttpRequestView> resolver)
      implements KeyResolver<RateLimitInvocation> {
    @Override
    public @Nullable String resolve(RateLimitInvocation invocation) {
      HttpServletRequest request = current();
      return request == null ? null : resolver.resolve(ServletRequestView.of(request));
    }

    @Override
    public String toString() {
      return reference;
    }
  }
}
