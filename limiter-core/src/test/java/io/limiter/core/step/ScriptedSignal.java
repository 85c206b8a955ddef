package io.limiter.core.step;

import java.util.ArrayDeque;
import java.util.Deque;

/** A health signal that plays a script: one character per sample, H(ealthy), U(nhealthy) or S(evere). */
final class ScriptedSignal implements HealthSignal {

  private final String name;
  private final Deque<Character> script = new ArrayDeque<>();

  ScriptedSignal(String name) {
    this.name = name;
  }

  ScriptedSignal then(String samples) {
    for (char c : samples.toCharArray()) {
      script.add(c);
    }
    return this;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Health sample() {
    Character next = script.poll();
    if (next == null) {
      throw new IllegalStateException("script of " + name + " is exhausted");
    }
    switch (next) {
      case 'H':
        return Health.healthy(name + " fine");
      case 'U':
        return Health.unhealthy(name + " bad");
      case 'S':
        return Health.severe(name + " terrible");
      default:
        throw new IllegalArgumentException("unknown sample " + next);
    }
  }
}
