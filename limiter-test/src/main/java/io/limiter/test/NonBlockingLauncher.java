package io.limiter.test;

import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs the {@link NonBlocking} harness when the test JVM's JUnit launcher session opens, before any test class
 * runs, if the system property {@value #PROPERTY} is {@code true}.
 *
 * <p>Why so early: BlockHound's allowances (an idle Reactor worker parking in its queue, a Netty loop waiting for a
 * task) work by marking the allowed method's frames. A thread that was already parked in such a method when BlockHound
 * was installed keeps running the method's old, unmarked code: the next time it parks, BlockHound throws inside the
 * JDK's queue, the queue's lock is left inconsistent, and tasks scheduled on that worker are lost or delayed without
 * any error reaching the test (requests that hang for a minute). An earlier test class that started Reactor or Lettuce
 * threads before the first {@code @ExtendWith(NonBlocking.class)} class is enough to cause it.
 *
 * <p>Registered by a module's {@code src/test/resources/META-INF/services/org.junit.platform.launcher.LauncherSessionListener}
 * and switched on for its integration tests only ({@code <systemPropertyVariables>} of the failsafe plugin), so its
 * unit tests run without BlockHound. Stateless; the launcher calls it on one thread.
 */
public final class NonBlockingLauncher implements LauncherSessionListener {

  /** The system property that switches the early installation on. */
  public static final String PROPERTY = "limiter.test.non-blocking";

  @Override
  public void launcherSessionOpened(LauncherSession session) {
    if (Boolean.getBoolean(PROPERTY)) {
      NonBlocking.installAtLaunch();
    }
  }
}
