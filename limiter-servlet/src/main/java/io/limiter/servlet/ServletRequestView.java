package io.limiter.servlet;

import io.limiter.core.KeyResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.PathSpellings;
import io.limiter.web.internal.CanonicalPath;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The {@link HttpRequestView} of one dispatch of an {@link HttpServletRequest}: what the filter's rules and request
 * keys read, so that they are the same code on every web stack.
 *
 * <p>The path is the dispatch's own: for an {@code INCLUDE}, the include target (from the
 * {@code jakarta.servlet.include.*} attributes), otherwise the request URI together with the container's decoded
 * servlet path and path info. Only a {@code REQUEST} dispatch carries the client's own spelling, so only there is an
 * unreadable path {@linkplain PathSpellings#refusal() refused}. The spellings are computed on first use and kept.
 *
 * <p>Not thread-safe: a view belongs to the thread handling its dispatch.
 */
public final class ServletRequestView implements HttpRequestView {

  private final HttpServletRequest request;
  private @Nullable PathSpellings spellings;

  private ServletRequestView(HttpServletRequest request) {
    this.request = request;
  }

  /**
   * @param request the request, in the dispatch being filtered
   * @return its view
   */
  public static ServletRequestView of(HttpServletRequest request) {
    return new ServletRequestView(Objects.requireNonNull(request, "request"));
  }

  /**
   * Adapts a key resolver written against {@link HttpServletRequest} to the view, for a rule's or the filter's key:
   * it is asked with the servlet request the view stands for. Such a resolver works on the servlet stack only; asked
   * about a request of another stack, the adapter throws.
   *
   * @param resolver the servlet resolver
   * @return the resolver over views
   */
  public static KeyResolver<HttpRequestView> resolver(KeyResolver<HttpServletRequest> resolver) {
    Objects.requireNonNull(resolver, "resolver");
    return new KeyResolver<>() {
      @Override
      public @Nullable String resolve(HttpRequestView view) {
        return resolver.resolve(unwrap(view, resolver));
      }

      @Override
      public String toString() {
        return resolver.toString();
      }
    };
  }

  private static HttpServletRequest unwrap(HttpRequestView view, Object resolver) {
    if (view instanceof ServletRequestView servlet) {
      return servlet.request;
    }
    throw new IllegalStateException("the key resolver " + resolver + " reads an HttpServletRequest, but the request "
        + "is a " + view.getClass().getName() + "; give a KeyResolver<HttpRequestView> to a filter of another stack");
  }

  /** @return the servlet request this view reads */
  public HttpServletRequest request() {
    return request;
  }

  @Override
  public String method() {
    return request.getMethod();
  }

  @Override
  public PathSpellings pathSpellings() {
    PathSpellings s = spellings;
    if (s == null) {
      s = dispatchPath(request);
      spellings = s;
    }
    return s;
  }

  /**
   * The spellings of this dispatch's path inside the context: the include target for INCLUDE, else the request URI.
   * Only a REQUEST dispatch carries the client's own spelling, so only there is an unreadable path refused.
   */
  private static PathSpellings dispatchPath(HttpServletRequest request) {
    DispatcherType type = request.getDispatcherType();
    if (type == DispatcherType.INCLUDE) {
      return CanonicalPath.spellings((String) request.getAttribute(RequestDispatcher.INCLUDE_REQUEST_URI),
          (String) request.getAttribute(RequestDispatcher.INCLUDE_CONTEXT_PATH),
          (String) request.getAttribute(RequestDispatcher.INCLUDE_SERVLET_PATH),
          (String) request.getAttribute(RequestDispatcher.INCLUDE_PATH_INFO), false);
    }
    return CanonicalPath.spellings(request.getRequestURI(), request.getContextPath(), request.getServletPath(),
        request.getPathInfo(), type == DispatcherType.REQUEST);
  }

  @Override
  public @Nullable String header(String name) {
    return request.getHeader(name);
  }

  @Override
  public List<String> headers(String name) {
    Enumeration<String> values = request.getHeaders(name);
    return values == null || !values.hasMoreElements() ? List.of() : Collections.list(values);
  }

  @Override
  public @Nullable String peerAddress() {
    return request.getRemoteAddr();
  }

  @Override
  public @Nullable String principalName() {
    Principal principal = request.getUserPrincipal();
    return principal == null ? null : principal.getName();
  }

  @Override
  public @Nullable Object attribute(String name) {
    return request.getAttribute(name);
  }

  @Override
  public String toString() {
    return "ServletRequestView{" + request.getMethod() + " " + request.getRequestURI() + "}";
  }
}
