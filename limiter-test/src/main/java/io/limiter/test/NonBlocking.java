package io.limiter.test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
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
 * {@code -XX:+AllowRedefinitionToAddDeleteMethods} on Java 13+ (the test JVM's {@code argLine}), and
 * {@link NonBlockingLauncher} to install it when the test JVM starts (a class that uses the extension fails otherwise). Used by the WebFlux
 * filter's and the gateway's integration tests. Thread-safe: the violations are collected from any thread.
 */
public final class NonBlocking implements BeforeAllCallback, BeforeEachCallback, AfterEachCallback {

  private static final List<String> VIOLATIONS = new CopyOnWriteArrayList<>();

  /** Whether {@link NonBlockingLauncher} installed the harness, before any test class ran (written once, then read). */
  private static volatile boolean installedAtLaunch;

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

  /** Installs the harness when the test JVM starts ({@link NonBlockingLauncher}). */
  static void installAtLaunch() {
    installedAtLaunch = true;
  }

  /** @return the blocking calls seen since the last {@link #clear()}, each with its thread */
  public static List<String> violations() {
    return List.copyOf(VIOLATIONS);
  }

  /** Forgets the blocking calls seen so far. */
  public static void clear() {
    VIOLATIONS.clear();
  }

  /**
   * Fails the test class when the harness was installed late, by the first class that uses it: threads that were
   * parked before BlockHound came would break under it (see {@link NonBlockingLauncher}).
   */
  @Override
  public void beforeAll(ExtensionContext context) {
    if (!installedAtLaunch) {
      throw new IllegalStateException("the non-blocking harness must be installed when the test JVM starts, before any "
          + "thread it checks exists: register io.limiter.test.NonBlockingLauncher in src/test/resources/META-INF/"
          + "services/org.junit.platform.launcher.LauncherSessionListener and set the system property "
          + NonBlockingLauncher.PROPERTY + "=true for the tests of " + context.getRequiredTestClass().getName());
    }
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
