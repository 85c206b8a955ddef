package io.limiter.examples.webxml.launcher;

import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Serves the example WAR (or its exploded directory) in an embedded Jetty 12 at the root context.
 *
 * <pre>
 * java ... JettyLauncher [war-or-directory] [port]     (port: default 8080, or $PORT; 0 picks a free one)
 * </pre>
 */
public final class JettyLauncher {

  private JettyLauncher() {
  }

  /**
   * Starts Jetty and returns it running.
   *
   * @param webapp the WAR file or exploded WAR directory
   * @param host the address to bind, e.g. 127.0.0.1
   * @param port the port, 0 for any free one
   * @return the started server
   * @throws Exception if Jetty or the web application fails to start
   */
  public static Server start(Path webapp, String host, int port) throws Exception {
    if (!Files.exists(webapp.resolve("WEB-INF/web.xml")) && !Files.isRegularFile(webapp)) {
      throw new IllegalArgumentException(webapp + " is neither a WAR nor an exploded WAR; build it with "
          + "mvn -pl examples/servlet-webxml -am package -DskipTests");
    }
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost(host);
    connector.setPort(port);
    server.addConnector(connector);
    WebAppContext context = new WebAppContext();
    context.setContextPath("/");
    context.setWar(webapp.toAbsolutePath().toString());
    context.setThrowUnavailableOnStartupException(true);
    server.setHandler(context);
    server.start();
    return server;
  }

  /** @return the port the server listens on */
  public static int port(Server server) {
    return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  /**
   * @param args the WAR or directory (default {@code examples/servlet-webxml/target/...}), then the port
   * @throws Exception if startup fails
   */
  public static void main(String[] args) throws Exception {
    Path webapp = Path.of(args.length > 0 ? args[0] : "target/limiter-example-servlet-webxml-0.1.0-SNAPSHOT");
    String portText = args.length > 1 ? args[1] : System.getenv().getOrDefault("PORT", "8080");
    Server server = start(webapp, "127.0.0.1", Integer.parseInt(portText));
    System.out.println("Limiter web.xml example on http://127.0.0.1:" + port(server) + "/  (Ctrl-C to stop)");
    System.out.println("  curl -i http://127.0.0.1:" + port(server) + "/hello");
    server.join();
  }
}
