package com.example;

import io.limiter.core.step.Health;
import io.limiter.core.step.HealthSignal;

/** The custom signal docs/step-throttling.md's servlet block names by class: a queue that is never deep. */
public class QueueDepthSignal implements HealthSignal {

  @Override
  public String name() {
    return "queue-depth";
  }

  @Override
  public Health sample() {
    return Health.healthy("queue depth 0");
  }
}
