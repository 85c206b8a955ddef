package io.limiter.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.blockhound.BlockHound;
import reactor.blockhound.BlockingOperationError;

/**
 * The non-blocking harness of reactive tests, a JUnit 5 extension ({@code @ExtendWith(NonBlocking.class)}): installs
 * BlockHound once per JVM (Reactor and Netty mark their event-loop and parallel threads as non-blocking, Lettuce's
 * I/O threads are Netty threads) and fails the test when any blocking call (sleep, park, wait, blocking I/O) ran on
 * such a thread during it, also when the error BlockHound threw there was swallowed by the code under test.
 *
 * <p>Needs {@code io.projectreactor.tools:blockhound} on the test class path (an optional dependency of this kit) and
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods} on Java 13+ (the test JVM's {@code argLine}). Used by the WebFlux
 * filter's and the gateway's integration tests. Thread-safe: the violations are collected from any thread.
 */
public final class NonBlocking implements BeforeEachCallback, AfterEachCallback {

  private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

  static {
    // install(...) also loads the integrations on the class path (Reactor's and Netty's mark their non-blocking
    // threads); BlockHound.builder().install() alone would check no thread at all
    BlockHound.install(builder -> builder.blockingMethodCallback(method -> {
      VIOLATIONS.add(method + " on " + Thread.currentThread().getName());
      throw new BlockingOperationError(method);
    }));
  }

  /** Installs the harness (idempotent): for tests that do not use the extension itself. */
  public static void install() {
    // the static initializer did it
  }

  /** @return the blocking calls seen since the last {@link #clear()}, each with its thread */
  public static List<String> violations() {
    return List.copyOf(VIOLATIONS);
  }

  /** Forgets the blocking calls seen so far. */
  public static void clear() {
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
