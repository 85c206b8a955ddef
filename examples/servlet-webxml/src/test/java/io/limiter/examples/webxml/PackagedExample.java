package io.limiter.examples.webxml;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.examples.webxml.launcher.JettyLauncher;
import java.net.URI;
import java.nio.file.Path;
import org.eclipse.jetty.server.Server;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The packaged example (exploded WAR, web.xml as written) in Jetty on a free port, started before a test class and
 * stopped after it; each class gets its own server, so its rate limits start fresh. Use as a static
 * {@code @RegisterExtension} field.
 */
final class PackagedExample implements BeforeAllCallback, AfterAllCallback {

  private Server server;

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    String dir = System.getProperty("webapp.dir");
    assertThat(dir).as("failsafe passes webapp.dir, the exploded WAR; run through mvn verify").isNotNull();
    server = JettyLauncher.start(Path.of(dir), "127.0.0.1", 0);
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  /** @return the URI of a path (with its query) on the running example */
  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + JettyLauncher.port(server) + path);
  }
}
