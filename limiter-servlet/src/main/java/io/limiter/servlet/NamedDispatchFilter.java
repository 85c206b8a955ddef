package io.limiter.servlet;

import io.limiter.annotation.RateLimitAnnotations;
import io.limiter.servlet.internal.RateLimitEngine;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.GenericServlet;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.reflect.Method;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Charges the {@code @RateLimit}s of one servlet when it is reached by a <em>named dispatch</em>
 * ({@code getNamedDispatcher(name).forward/include}). The {@link RateLimitFilter} cannot do it itself: a named dispatch
 * carries no path and the mapping of the dispatching servlet, and filters mapped by URL are not called for it. This
 * filter is mapped by the servlet's name (dispatcher types FORWARD and INCLUDE) and hands the dispatch to every
 * started {@code RateLimitFilter} of the context, which charges the servlet's limits once per request as for any
 * dispatch. Other dispatches pass through.
 *
 * <pre>{@code
 * <filter>
 *   <filter-name>rateLimitNamedDispatch-reports</filter-name>
 *   <filter-class>io.limiter.servlet.NamedDispatchFilter</filter-class>
 *   <init-param><param-name>servlet-name</param-name><param-value>reports</param-value></init-param>
 * </filter>
 * <filter-mapping>
 *   <filter-name>rateLimitNamedDispatch-reports</filter-name>
 *   <servlet-name>reports</servlet-name>
 *   <dispatcher>FORWARD</dispatcher><dispatcher>INCLUDE</dispatcher>
 * </filter-mapping>
 * }</pre>
 * Or in code, while the context is being set up (a {@code ServletContainerInitializer}; Spring Boot does this for
 * its servlets): {@link #register(ServletContext, String)}. Thread-safe.
 */
public final class NamedDispatchFilter implements Filter {

  /** The init-param naming the servlet. */
  public static final String SERVLET_NAME_PARAM = "servlet-name";

  private volatile @Nullable String servletName;

  /** Creates the filter for the servlet named by the {@value #SERVLET_NAME_PARAM} init-param. */
  public NamedDispatchFilter() {
  }

  /**
   * @param servletName the servlet whose named dispatches this filter charges
   */
  public NamedDispatchFilter(String servletName) {
    this.servletName = Objects.requireNonNull(servletName, "servletName");
  }

  /**
   * Registers the filter for one servlet: mapped by its name for FORWARD and INCLUDE dispatches.
   *
   * @param servletContext a context that is being initialized
   * @param servletName the servlet
   */
  public static void register(ServletContext servletContext, String servletName) {
    FilterRegistration.Dynamic registration = servletContext.addFilter("rateLimitNamedDispatch-" + servletName,
        new NamedDispatchFilter(servletName));
    if (registration != null) {
      registration.addMappingForServletNames(EnumSet.of(DispatcherType.FORWARD, DispatcherType.INCLUDE), true,
          servletName);
    }
  }

  /**
   * Whether a servlet class carries {@code @RateLimit} anywhere the filter reads it (class, {@code service},
   * {@code doXxx}, up its class hierarchy), i.e. whether its named dispatches need this filter.
   *
   * @param servletClass the servlet class
   * @param lookup finds annotations
   * @return whether it is rate limited
   */
  public static boolean isRateLimited(Class<?> servletClass, RateLimitAnnotations lookup) {
    for (Class<?> k = servletClass; k != null && k != HttpServlet.class && k != GenericServlet.class
        && k != Object.class; k = k.getSuperclass()) {
      if (!lookup.on(k).isEmpty()) {
        return true;
      }
      for (Method m : k.getDeclaredMethods()) {
        if ((m.getName().equals("service") || m.getName().startsWith("do")) && !lookup.on(m).isEmpty()) {
          return true;
        }
      }
    }
    return false;
  }

  @Override
  public void init(FilterConfig filterConfig) throws ServletException {
    if (servletName == null) {
      String name = filterConfig.getInitParameter(SERVLET_NAME_PARAM);
      if (name == null || name.isBlank()) {
        throw new ServletException("filter " + filterConfig.getFilterName() + ": init-param " + SERVLET_NAME_PARAM
            + " must name the servlet whose named dispatches it rate limits");
      }
      servletName = name.trim();
    }
  }

  @Override
  public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
      throws IOException, ServletException {
    if (!(request instanceof HttpServletRequest http) || !(response instanceof HttpServletResponse httpResponse)
        || !isNamedDispatch(http)) {
      chain.doFilter(request, response);
      return;
    }
    List<RateLimitEngine> engines = RateLimitEngine.engines(http.getServletContext());
    through(engines.iterator(), http, httpResponse, chain);
  }

  /** A forward or include whose dispatcher came from a name: the container sets no path attributes for it. */
  private static boolean isNamedDispatch(HttpServletRequest request) {
    return request.getDispatcherType() == DispatcherType.FORWARD
        ? request.getAttribute(RequestDispatcher.FORWARD_REQUEST_URI) == null
        : request.getDispatcherType() == DispatcherType.INCLUDE
            && request.getAttribute(RequestDispatcher.INCLUDE_REQUEST_URI) == null;
  }

  private void through(Iterator<RateLimitEngine> engines, HttpServletRequest request, HttpServletResponse response,
      FilterChain chain) throws IOException, ServletException {
    if (!engines.hasNext()) {
      chain.doFilter(request, response);
      return;
    }
    RateLimitEngine engine = engines.next();
    engine.doNamedDispatch(Objects.requireNonNull(servletName, "servletName"), request, response, // set by init
        (req, res) -> through(engines, (HttpServletRequest) req, (HttpServletResponse) res, chain));
  }
}
