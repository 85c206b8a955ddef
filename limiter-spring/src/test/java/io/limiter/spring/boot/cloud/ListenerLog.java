package io.limiter.spring.boot.cloud;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * The messages {@link LimiterEnvironmentChangeListener} logs while open, read from its java.util.logging logger
 * (where {@code System.Logger} goes without a logging bridge; with Boot's, the records still reach this handler).
 */
final class ListenerLog extends Handler implements AutoCloseable {

  /** Held strongly: java.util.logging keeps loggers only weakly. */
  private final Logger logger = Logger.getLogger(LimiterEnvironmentChangeListener.class.getName());
  private final List<String> messages = new CopyOnWriteArrayList<>();

  ListenerLog() {
    logger.addHandler(this);
  }

  /** @return the warnings so far, each as level and message */
  List<String> warnings() {
    return messages.stream().filter(m -> m.startsWith(Level.WARNING.getName())).toList();
  }

  /** @return everything so far, each as level and message */
  List<String> messages() {
    return List.copyOf(messages);
  }

  @Override
  public void publish(LogRecord record) {
    messages.add(record.getLevel().getName() + " " + record.getMessage());
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
