package io.limiter.gateway;

import java.nio.charset.StandardCharsets;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** The service behind the gateway in the ITs: answers every request with 200 and "hello", on a free port. */
final class Backend implements AutoCloseable {

  private final DisposableServer server;

  private Backend(DisposableServer server) {
    this.server = server;
  }

  static Backend start() {
    return new Backend(HttpServer.create().host("127.0.0.1").port(0)
        .handle((request, response) -> response.sendString(Mono.just("hello"), StandardCharsets.UTF_8))
        .bindNow());
  }

  String uri() {
    return "http://127.0.0.1:" + server.port();
  }

  @Override
  public void close() {
    server.disposeNow();
  }
}
