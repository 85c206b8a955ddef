package io.limiter.core.step;

/**
 * Observes the level changes of a {@link StepController}: metrics, audit logs, alerts. Called on the thread that
 * changed the level (the controller's scheduler, a test's {@code tick}, an operator's {@code pin}) while the
 * controller's state is locked, in the order of the changes; implementations must be fast and must not throw (an
 * exception is logged and swallowed).
 */
@FunctionalInterface
public interface StepListener {

  /**
   * @param change the change
   */
  void onStepChange(StepChange change);
}
