package io.limiter.gateway;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * The non-blocking harness of the reactive ITs: installs BlockHound once per JVM (Reactor and Netty mark their
 * event-loop and parallel threads as non-blocking, Lettuce's I/O threads are Netty threads) and fails the test when
 * any blocking call (sleep, park, wait, blocking I/O) ran on such a thread during it, also when the error BlockHound
 * threw there was swallowed by the code under test. Needs {@code -XX:+AllowRedefinitionToAddDeleteMethods} on Java
 * 13+ (set in this module's failsafe configuration).
 */
final class NonBlocking implements BeforeEachCallback, AfterEachCallback {

  private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

  static {
    // install(...) also loads the integrations on the class path (Reactor's and Netty's mark their non-blocking
    // threads); BlockHound.builder().install() alone would check no thread at all
    BlockHound.install(builder -> builder.blockingMethodCallback(method -> {
      VIOLATIONS.add(method + " on " + Thread.currentThread().getName());
      throw new BlockingOperationError(method);
    }));
  }

  /** Installs the harness (idempotent). */
  static void install() {
    // the static initializer did it
  }

  /** @return the blocking calls seen since the last {@link #clear()}, each with its thread */
  static List<String> violations() {
    return List.copyOf(VIOLATIONS);
  }

  static void clear() {
    VIOLATIONS.clear();
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    clear();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<String> seen = violations();
    clear();
    if (!seen.isEmpty()) {
      throw new AssertionError("blocking calls on non-blocking threads: " + seen);
    }
  }
}
