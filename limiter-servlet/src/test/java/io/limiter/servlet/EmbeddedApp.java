package io.limiter.servlet;

import io.limiter.test.RawHttp;
import jakarta.servlet.Filter;
import jakarta.servlet.Servlet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A web application in a real embedded container on a free port, context path {@link #CONTEXT}, with one filter
 * mapped to {@code /*} for every dispatcher type. {@link JettyApp} and {@link TomcatApp} extend it, so a suite can
 * run the same table against both containers ({@link Container}).
 */
abstract class EmbeddedApp implements AutoCloseable {

  static final String CONTEXT = "/app";

  private final String host;
  private final int port;

  EmbeddedApp(String host, int port) {
    this.host = host;
    this.port = port;
  }

  /** @return the address the connector listens on, e.g. {@code 127.0.0.1} or {@code ::1} */
  String host() {
    return host;
  }

  /** @return the connector's port */
  int port() {
    return port;
  }

  final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  URI uri(String rawPathInContext) {
    return URI.create("http://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port + CONTEXT
        + rawPathInContext);
  }

  HttpResponse<String> get(String rawPath, String... headers) {
    return send(HttpRequest.newBuilder(uri(rawPath)).GET(), headers);
  }

  HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return client.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sends a GET with the request target spelled exactly as given (see {@link RawHttp}).
   *
   * @param rawPathInContext the path after the context path, as it goes on the wire
   * @param headers name, value, name, value...
   * @return the response
   */
  RawHttp.Response raw(String rawPathInContext, String... headers) {
    return RawHttp.get(host, port, CONTEXT + rawPathInContext, headers);
  }

  @Override
  public abstract void close();

  /** Configures an application before it starts. */
  abstract static class Builder<B extends Builder<B>> {
    final Map<String, String> initParams = new LinkedHashMap<>();
    final List<Object[]> servlets = new ArrayList<>();
    Filter filter = new RateLimitFilter();
    String host = "127.0.0.1";

    abstract B self();

    B filter(Filter f) {
      this.filter = f;
      return self();
    }

    B param(String name, String value) {
      initParams.put(name, value);
      return self();
    }

    B servlet(String name, Servlet servlet, String... mappings) {
      servlets.add(new Object[] {name, servlet, mappings});
      return self();
    }

    /** Listen on this address literal instead of {@code 127.0.0.1}, e.g. {@code ::1}. */
    B host(String address) {
      this.host = address;
      return self();
    }

    abstract EmbeddedApp start() throws Exception;
  }
  /** A container in one URI-compliance configuration. */
  enum Container {
    /** Jetty 12 with its default URI compliance: ambiguous URIs (encoded slashes and dots, //) get 400. */
    JETTY(false),
    /** Jetty 12 with {@code UriCompliance.UNSAFE} and ambiguous URIs decoded. */
    JETTY_LENIENT(true),
    /** Tomcat 11 with its defaults: an encoded slash gets 400, a backslash is an ordinary character. */
    TOMCAT(false),
    /**
     * Tomcat 11 with {@code encodedSolidusHandling} and {@code encodedReverseSolidusHandling} = {@code passthrough}:
     * {@code %2F}/{@code %5C} stay encoded inside their segment; backslashes are separators.
     */
    TOMCAT_PASSTHROUGH(true),
    /** Tomcat 11 with encoded slashes and backslashes decoded into separators and backslashes allowed. */
    TOMCAT_DECODE(true);

    final boolean lenient;

    Container(boolean lenient) {
      this.lenient = lenient;
    }

    /** @return a builder for an application in this container and configuration */
    Builder<?> builder() {
      switch (this) {
        case JETTY:
          return JettyApp.builder();
        case JETTY_LENIENT:
          return JettyApp.builder().lenientUris();
        case TOMCAT:
          return TomcatApp.builder(TomcatApp.Uris.DEFAULT);
        case TOMCAT_PASSTHROUGH:
          return TomcatApp.builder(TomcatApp.Uris.PASSTHROUGH);
        case TOMCAT_DECODE:
        default:
          return TomcatApp.builder(TomcatApp.Uris.DECODE);
      }
    }
  }
}
