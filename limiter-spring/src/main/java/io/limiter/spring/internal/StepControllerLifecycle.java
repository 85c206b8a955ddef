package io.limiter.spring.internal;

import io.limiter.core.step.StepControllerRegistry;
import java.util.function.Supplier;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the step controllers (their sampling threads) when the application context starts and closes them when it
 * stops, so that no controller thread outlives its context. The controllers are looked up on start, after every
 * bean (and every annotation) is known.
 */
public final class StepControllerLifecycle implements SmartLifecycle {

  private final Supplier<StepControllerRegistry> controllers;
  private volatile StepControllerRegistry started;

  /**
   * @param controllers supplies the registry to start
   */
  public StepControllerLifecycle(Supplier<StepControllerRegistry> controllers) {
    this.controllers = controllers;
  }

  @Override
  public void start() {
    StepControllerRegistry registry = controllers.get();
    registry.start();
    started = registry;
  }

  @Override
  public void stop() {
    StepControllerRegistry registry = started;
    if (registry != null) {
      registry.close();
      started = null;
    }
  }

  @Override
  public boolean isRunning() {
    return started != null;
  }
}
