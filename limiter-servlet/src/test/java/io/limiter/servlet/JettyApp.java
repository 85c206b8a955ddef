package io.limiter.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.ErrorPageErrorHandler;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.FilterMapping;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * A real embedded Jetty 12 (ee10, Servlet 6.0) on a free loopback port (127.0.0.1 unless {@link Builder#host} says
 * otherwise) with the filter mapped to every dispatcher
 * type under context path {@code /app}, and a java.net.http client for it ({@link EmbeddedApp}). Tests build one per scenario.
 */
final class JettyApp extends EmbeddedApp {

  private final Server server;

  private JettyApp(Server server, String host, int port) {
    super(host, port);
    this.server = server;
  }

  static Builder builder() {
    return new Builder();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      throw new IllegalStateException("stopping Jetty failed", e);
    }
  }

  static final class Builder extends EmbeddedApp.Builder<Builder> {
    private final Map<Integer, String> errorPages = new LinkedHashMap<>();
    private boolean lenientUris;
    private final List<String> namedDispatch = new ArrayList<>();

    /** Maps a {@link NamedDispatchFilter} to the servlet, by name. */
    Builder namedDispatch(String servletName) {
      namedDispatch.add(servletName);
      return this;
    }

    @Override
    Builder self() {
      return this;
    }

    /** Accept ambiguous URIs (encoded slashes and dots, empty segments) as a lenient container would. */
    Builder lenientUris() {
      this.lenientUris = true;
      return this;
    }

    Builder errorPage(int status, String location) {
      errorPages.put(status, location);
      return this;
    }

    @Override
    JettyApp start() throws Exception {
      Server server = new Server();
      HttpConfiguration http = new HttpConfiguration();
      if (lenientUris) {
        http.setUriCompliance(UriCompliance.UNSAFE);
      }
      ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
      connector.setHost(host);
      connector.setPort(0);
      server.addConnector(connector);
      ServletContextHandler context = new ServletContextHandler(CONTEXT);
      if (lenientUris) {
        context.getServletHandler().setDecodeAmbiguousURIs(true);
      }
      for (Object[] s : servlets) {
        ServletHolder holder = new ServletHolder((String) s[0], (Servlet) s[1]);
        for (String mapping : (String[]) s[2]) {
          context.addServlet(holder, mapping);
        }
      }
      FilterHolder holder = new FilterHolder(filter);
      holder.setName("rateLimit");
      initParams.forEach(holder::setInitParameter);
      context.addFilter(holder, "/*", EnumSet.allOf(DispatcherType.class));
      for (String name : namedDispatch) {
        FilterHolder named = new FilterHolder(new NamedDispatchFilter(name));
        named.setName("rateLimitNamedDispatch-" + name);
        context.getServletHandler().addFilter(named);
        FilterMapping mapping = new FilterMapping();
        mapping.setFilterName(named.getName());
        mapping.setServletName(name);
        mapping.setDispatcherTypes(EnumSet.of(DispatcherType.FORWARD, DispatcherType.INCLUDE));
        context.getServletHandler().addFilterMapping(mapping);
      }
      if (!errorPages.isEmpty()) {
        ErrorPageErrorHandler errors = new ErrorPageErrorHandler();
        errorPages.forEach(errors::addErrorPage);
        context.setErrorHandler(errors);
      }
      server.setHandler(context);
      try {
        server.start();
      } catch (Exception e) {
        server.stop();
        throw e;
      }
      return new JettyApp(server, host, connector.getLocalPort());
    }
  }
}
