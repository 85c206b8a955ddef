package io.limiter.spring.internal;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.util.ClassUtils;
import reactor.netty.Connection;

/**
 * Hands a decision that a store completed on its own I/O thread back to a Netty event loop: the loop of a WebFlux
 * exchange's connection (Reactor Netty), or the loop that asked for the decision.
 *
 * <p>Why: a store that answers asynchronously (Redis: on Lettuce's I/O thread) would otherwise run what follows the
 * decision there: the application's handler or limited method, and the response write. That ties up the one thread all
 * Redis replies of the store arrive on, and a response written from a thread other than the connection's lets the
 * client's next keep-alive request arrive before Reactor Netty has ended the exchange on its loop: Reactor Netty 1.3.6
 * and 1.3.7 buffer such a request and can then stop reading the connection (reactor-netty issues 4347 and 4361), so
 * the request hangs. Going on where a local store's decision would, on the loop, avoids both.
 *
 * <p>Without Netty (a WebFlux application on Tomcat or Jetty, a caller that is no event loop) nothing is handed
 * anywhere. A decision that is done already is returned as it is. Stateless and thread-safe.
 */
public final class EventLoopHandOff {

  /** Reactor Netty's API may be absent (a WebFlux application on another server): then no connection has a loop. */
  private static final boolean REACTOR_NETTY =
      ClassUtils.isPresent("reactor.netty.Connection", EventLoopHandOff.class.getClassLoader());
  /** Netty's map from a thread to the event loop it runs, which each Netty loop keeps for its own thread. */
  private static final boolean NETTY =
      ClassUtils.isPresent("io.netty.util.internal.ThreadExecutorMap", EventLoopHandOff.class.getClassLoader());

  private EventLoopHandOff() {
  }

  /**
   * @param decided a decision, done or not
   * @param request a WebFlux exchange's request
   * @return {@code decided} itself when it is done or the server has no connection loop; else a future with its
   *     outcome (value or failure) that completes on the loop of the request's connection (at once when
   *     {@code decided} completes on that loop)
   */
  public static <T> CompletableFuture<T> toConnectionLoop(CompletableFuture<T> decided, ServerHttpRequest request) {
    if (decided.isDone() || !REACTOR_NETTY) {
      return decided;
    }
    @Nullable Executor loop = ReactorNetty.loopOf(request);
    return loop == null ? decided : decided.whenCompleteAsync((value, failure) -> { }, loop);
  }

  /**
   * Only a loop that may not block is handed anything: Reactor Netty's, which Reactor marks non-blocking. A Netty
   * executor thread that may block (a pipeline's {@code DefaultEventExecutor}) could itself be waiting for this
   * decision, which would then never come.
   *
   * @param decided a decision, done or not, asked for on the calling thread (Reactor on the class path)
   * @return {@code decided} itself when it is done or the calling thread is no non-blocking Netty event loop; else a
   *     future with its outcome that completes on the calling thread's event loop
   */
  public static <T> CompletableFuture<T> toCallersLoop(CompletableFuture<T> decided) {
    if (decided.isDone() || !NETTY || !reactor.core.scheduler.Schedulers.isInNonBlockingThread()) {
      return decided;
    }
    @Nullable Executor loop = Netty.callersLoop();
    return loop == null ? decided : decided.whenCompleteAsync((value, failure) -> { }, loop);
  }

  /** Netty's part, in a class of its own so that nothing loads its types when it is absent. */
  private static final class Netty {

    static @Nullable Executor callersLoop() {
      io.netty.util.concurrent.EventExecutor loop = io.netty.util.internal.ThreadExecutorMap.currentExecutor();
      return loop == null ? null : onLoop(loop);
    }

    /** Runs a task on the loop: at once when already there, and here when the loop no longer takes tasks. */
    static Executor onLoop(io.netty.util.concurrent.EventExecutor loop) {
      return task -> {
        if (loop.inEventLoop()) {
          task.run();
          return;
        }
        try {
          loop.execute(task);
        } catch (RejectedExecutionException shutDown) { // the server is stopping: go on here rather than never
          task.run();
        }
      };
    }
  }

  /** Reactor Netty's part, in a class of its own so that nothing loads its types when it is absent. */
  private static final class ReactorNetty {

    static @Nullable Executor loopOf(ServerHttpRequest request) {
      Object nativeRequest;
      try {
        nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
      } catch (IllegalArgumentException notAdapted) { // a request that adapts no server's request (a test's)
        return null;
      }
      return nativeRequest instanceof Connection connection ? Netty.onLoop(connection.channel().eventLoop()) : null;
    }
  }
}
