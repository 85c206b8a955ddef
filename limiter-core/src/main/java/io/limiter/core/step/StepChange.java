package io.limiter.core.step;

import io.limiter.core.internal.step.SpecReader;
import java.util.Objects;

/**
 * An event: a {@link StepController} moved its level, or an operator pinned or unpinned it.
 *
 * @param controller the controller's name
 * @param fromLevel the level before, an index into {@link StepController#levels()} (0 = the highest rate)
 * @param toLevel the level after (equal to {@code fromLevel} for a pin to the current level or an unpin that keeps it)
 * @param fromFactor the factor of {@code fromLevel}, e.g. 1.0
 * @param toFactor the factor of {@code toLevel}, e.g. 0.75
 * @param cause why the level changed
 * @param reason the details: the signals' verdicts, or the operator's reason
 * @param atNanos when, on the controller's ticker
 */
public record StepChange(String controller, int fromLevel, int toLevel, double fromFactor, double toFactor,
    Cause cause, String reason, long atNanos) {

  /** Why a level changed. */
  public enum Cause {
    /** One level down after enough consecutive unhealthy intervals. */
    DOWN,
    /** One level up after enough consecutive healthy intervals. */
    UP,
    /** Straight to the floor on a severe signal. */
    EMERGENCY,
    /** An operator fixed the level. */
    PIN,
    /** An operator handed the level back to the controller. */
    UNPIN
  }

  public StepChange {
    Objects.requireNonNull(controller, "controller");
    Objects.requireNonNull(cause, "cause");
    Objects.requireNonNull(reason, "reason");
  }

  /** Returns a one-line description, the text of the controller's log line. */
  @Override
  public String toString() {
    return "step controller " + controller + ": " + SpecReader.percent(fromFactor) + " -> "
        + SpecReader.percent(toFactor) + " (level " + fromLevel + " -> " + toLevel + ", " + cause + "): " + reason;
  }
}
