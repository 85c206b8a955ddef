package io.limiter.spring.internal;

import io.limiter.core.KeyResolver;
import io.limiter.spring.RateLimitInvocation;
import io.limiter.spring.spi.RequestKeySource;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/** Request keys on the servlet API, reading the request bound to the thread by Spring's {@code RequestContextHolder}. */
public final class ServletRequestKeySource implements RequestKeySource {

  /** Whether the servlet API and spring-web are on the class path. */
  public static boolean isPresent(ClassLoader classLoader) {
    return org.springframework.util.ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest", classLoader)
        && org.springframework.util.ClassUtils.isPresent(
            "org.springframework.web.context.request.RequestContextHolder", classLoader);
  }

  private final KeyResolver<HttpServletRequest> clientIp;

  /**
   * @param clientIp resolves the client address of a request
   */
  public ServletRequestKeySource(KeyResolver<HttpServletRequest> clientIp) {
    this.clientIp = clientIp;
  }

  /** @return a source using the socket peer address as the client IP */
  public static ServletRequestKeySource peerAddress() {
    return new ServletRequestKeySource(HttpServletRequest::getRemoteAddr);
  }

  @Override
  public KeyResolver<RateLimitInvocation> reference(String reference) {
    KeyResolver<HttpServletRequest> resolver = parse(reference);
    return resolver == null ? null : new RequestKey(reference, resolver);
  }

  private KeyResolver<HttpServletRequest> parse(String reference) {
    if (reference.equals("ip")) {
      return clientIp;
    }
    if (reference.equals("principal")) {
      return request -> {
        Principal p = request.getUserPrincipal();
        return p == null ? null : p.getName();
      };
    }
    if (reference.startsWith("header:")) {
      String name = argument(reference, "header:");
      return request -> request.getHeader(name);
    }
    if (reference.startsWith("attribute:")) {
      String name = argument(reference, "attribute:");
      return request -> {
        Object value = request.getAttribute(name);
        return value == null ? null : value.toString();
      };
    }
    return null;
  }

  private static String argument(String reference, String prefix) {
    String name = reference.substring(prefix.length()).trim();
    if (name.isEmpty()) {
      throw new IllegalArgumentException("key \"" + reference + "\" needs a name after '" + prefix + "'");
    }
    return name;
  }

  @Override
  public KeyResolver<RateLimitInvocation> clientIpOr(String outsideRequest) {
    return invocation -> {
      HttpServletRequest request = current();
      return request == null ? outsideRequest : clientIp.resolve(request);
    };
  }

  @Override
  public Object currentRequest() {
    return current();
  }

  private static HttpServletRequest current() {
    RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
    return attributes instanceof ServletRequestAttributes servlet ? servlet.getRequest() : null;
  }

  /** A request-based key; null outside a request. */
  private record RequestKey(String reference, KeyResolver<HttpServletRequest> resolver)
      implements KeyResolver<RateLimitInvocation> {
    @Override
    public String resolve(RateLimitInvocation invocation) {
      HttpServletRequest request = current();
      return request == null ? null : resolver.resolve(request);
    }

    @Override
    public String toString() {
      return reference;
    }
  }
}
