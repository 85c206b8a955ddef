package io.limiter.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Servlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * A real embedded Tomcat 11 on a free port with the filter mapped to every dispatcher type under context path
 * {@code /app}: the second container of the path and client-IP suites. Tomcat differs from Jetty where it matters
 * here: its peer addresses carry no brackets, and its handling of encoded slashes and backslashes is configurable
 * ({@link Uris}).
 */
final class TomcatApp extends EmbeddedApp {

  /** How the connector treats encoded slashes and backslashes. */
  enum Uris {
    /** Tomcat's defaults: {@code %2F} is refused, {@code %5C} decoded to a plain character, {@code \} plain. */
    DEFAULT,
    /** {@code %2F} and {@code %5C} pass through still encoded; {@code \} is a separator. */
    PASSTHROUGH,
    /** {@code %2F} and {@code %5C} are decoded into separators; {@code \} is a separator. */
    DECODE
  }

  private final Tomcat tomcat;
  private final Path baseDir;

  private TomcatApp(Tomcat tomcat, Path baseDir, String host, int port) {
    super(host, port);
    this.tomcat = tomcat;
    this.baseDir = baseDir;
  }

  static Builder builder(Uris uris) {
    return new Builder(uris);
  }

  @Override
  public void close() {
    try {
      tomcat.stop();
      tomcat.destroy();
    } catch (LifecycleException e) {
      throw new IllegalStateException("stopping Tomcat failed", e);
    } finally {
      delete(baseDir);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static final class Builder extends EmbeddedApp.Builder<Builder> {
    private final Uris uris;

    private Builder(Uris uris) {
      this.uris = uris;
    }

    @Override
    Builder self() {
      return this;
    }

    @Override
    TomcatApp start() throws Exception {
      Path baseDir = Files.createTempDirectory("limiter-tomcat");
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(baseDir.toString());
      Connector connector = new Connector();
      connector.setPort(0);
      connector.setProperty("address", host);
      if (uris != Uris.DEFAULT) {
        String handling = (uris == Uris.DECODE ? EncodedSolidusHandling.DECODE : EncodedSolidusHandling.PASS_THROUGH)
            .getValue();
        connector.setEncodedSolidusHandling(handling);
        connector.setEncodedReverseSolidusHandling(handling);
        connector.setAllowBackslash(true);
        connector.setProperty("relaxedPathChars", "\"<>[\\]^`{|}");
      }
      tomcat.getService().addConnector(connector);
      tomcat.setConnector(connector);
      Context context = tomcat.addContext(CONTEXT, baseDir.toString());
      for (Object[] s : servlets) {
        String name = (String) s[0];
        Tomcat.addServlet(context, name, (Servlet) s[1]);
        for (String mapping : (String[]) s[2]) {
          context.addServletMappingDecoded(mapping, name);
        }
      }
      FilterDef def = new FilterDef();
      def.setFilter(filter);
      def.setFilterName("rateLimit");
      def.setFilterClass(filter.getClass().getName());
      initParams.forEach(def::addInitParameter);
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName("rateLimit");
      map.addURLPattern("/*");
      for (DispatcherType type : DispatcherType.values()) {
        map.setDispatcher(type.name());
      }
      context.addFilterMap(map);
      try {
        tomcat.start();
      } catch (LifecycleException e) {
        tomcat.destroy();
        delete(baseDir);
        throw e;
      }
      return new TomcatApp(tomcat, baseDir, host, connector.getLocalPort());
    }
  }
}
