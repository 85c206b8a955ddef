package io.limiter.spring.webflux;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.ClassUtils;
import reactor.netty.Connection;

/**
 * Hands a verdict that a store completed on its own I/O thread back to the event loop of the exchange's connection,
 * when the server is Reactor Netty.
 *
 * <p>Why: a store that answers asynchronously (Redis: on Lettuce's I/O thread) would otherwise run the rest of the
 * exchange there, the application's handler and the response write included. That ties up the one thread all Redis
 * replies of the store arrive on, and a response written from a thread other than the connection's lets the client's
 * next keep-alive request arrive before Reactor Netty has ended the exchange on its loop: Reactor Netty 1.3.6 and
 * 1.3.7 buffer such a request and can then stop reading the connection (reactor-netty issues 4347 and 4361), so the
 * request hangs. Answering on the connection's loop, as a local store's verdict does, avoids both.
 *
 * <p>Other servers (Tomcat, Jetty behind Spring's servlet adapter) have no such loop: their verdicts are not handed
 * anywhere. Stateless and thread-safe.
 */
final class ConnectionLoop {

  /** Reactor Netty's API may be absent (a WebFlux application on another server): then nothing is handed back. */
  private static final boolean REACTOR_NETTY =
      ClassUtils.isPresent("reactor.netty.Connection", ConnectionLoop.class.getClassLoader());

  private ConnectionLoop() {
  }

  /**
   * @param decided a verdict, done or not
   * @param request the exchange's request
   * @return {@code decided} itself when it is done or the server has no connection loop; else a future with its
   *     outcome (value or failure) that completes on the loop of the request's connection (at once when
   *     {@code decided} completes on that loop)
   */
  static <T> CompletableFuture<T> handBack(CompletableFuture<T> decided, ServerHttpRequest request) {
    if (decided.isDone() || !REACTOR_NETTY) {
      return decided;
    }
    Executor loop = Netty.loopOf(request);
    return loop == null ? decided : decided.whenCompleteAsync((value, failure) -> { }, loop);
  }

  /** Reactor Netty's part, in a class of its own so that nothing loads its types when it is absent. */
  private static final class Netty {

    static @Nullable Executor loopOf(ServerHttpRequest request) {
      Object nativeRequest;
      try {
        nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
      } catch (IllegalArgumentException notAdapted) { // a request that adapts no server's request (a test's)
        return null;
      }
      if (!(nativeRequest instanceof Connection connection)) {
        return null;
      }
      io.netty.channel.EventLoop loop = connection.channel().eventLoop();
      return task -> {
        if (loop.inEventLoop()) {
          task.run();
          return;
        }
        try {
          loop.execute(task);
        } catch (RejectedExecutionException shutDown) { // the server is stopping: answer here rather than never
          task.run();
        }
      };
    }
  }
}
