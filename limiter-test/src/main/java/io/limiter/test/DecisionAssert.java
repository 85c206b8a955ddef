package io.limiter.test;

import io.limiter.core.Decision;
import io.limiter.core.Limit;
import java.time.Duration;
import org.assertj.core.api.AbstractAssert;

/**
 * AssertJ assertions for a {@link Decision}: {@code DecisionAssert.assertThat(d).isRejected().hasRetryAfter(...)}.
 * Failure messages print the whole decision.
 */
public final class DecisionAssert extends AbstractAssert<DecisionAssert, Decision> {

  private DecisionAssert(Decision actual) {
    super(actual, DecisionAssert.class);
  }

  /**
   * @param actual the decision
   * @return the assertion
   */
  public static DecisionAssert assertThat(Decision actual) {
    return new DecisionAssert(actual);
  }

  /** @return this; fails unless the outcome is ALLOWED */
  public DecisionAssert isAllowed() {
    return hasOutcome(Decision.Outcome.ALLOWED);
  }

  /** @return this; fails unless the outcome is REJECTED */
  public DecisionAssert isRejected() {
    return hasOutcome(Decision.Outcome.REJECTED);
  }

  /** @return this; fails unless the outcome is SHADOW_REJECTED */
  public DecisionAssert isShadowRejected() {
    return hasOutcome(Decision.Outcome.SHADOW_REJECTED);
  }

  /**
   * @param expected the outcome
   * @return this
   */
  public DecisionAssert hasOutcome(Decision.Outcome expected) {
    isNotNull();
    if (actual.outcome() != expected) {
      failWithMessage("expected outcome %s but was %s", expected, actual);
    }
    return this;
  }

  /** @return this; fails unless the decision is degraded */
  public DecisionAssert isDegraded() {
    isNotNull();
    if (!actual.degraded()) {
      failWithMessage("expected a degraded decision but was %s", actual);
    }
    return this;
  }

  /** @return this; fails if the decision is degraded */
  public DecisionAssert isNotDegraded() {
    isNotNull();
    if (actual.degraded()) {
      failWithMessage("expected a decision that is not degraded but was %s", actual);
    }
    return this;
  }

  /**
   * @param expected permits left
   * @return this
   */
  public DecisionAssert hasRemaining(long expected) {
    isNotNull();
    if (actual.remaining() != expected) {
      failWithMessage("expected remaining %s but was %s", expected, actual);
    }
    return this;
  }

  /**
   * @param expected the retry-after
   * @return this
   */
  public DecisionAssert hasRetryAfter(Duration expected) {
    return hasRetryAfterNanos(expected.toNanos());
  }

  /**
   * @param expected the retry-after in nanoseconds
   * @return this
   */
  public DecisionAssert hasRetryAfterNanos(long expected) {
    isNotNull();
    if (actual.retryAfterNanos() != expected) {
      failWithMessage("expected retry-after %sns but was %sns in %s", expected, actual.retryAfterNanos(), actual);
    }
    return this;
  }

  /** @return this; fails unless the request can never succeed */
  public DecisionAssert neverSucceeds() {
    return hasRetryAfterNanos(Decision.NEVER);
  }

  /**
   * @param expected the reset-after
   * @return this
   */
  public DecisionAssert hasResetAfter(Duration expected) {
    isNotNull();
    if (actual.resetAfterNanos() != expected.toNanos()) {
      failWithMessage("expected reset-after %s but was %s in %s", expected, actual.resetAfter(), actual);
    }
    return this;
  }

  /**
   * @param expected the limit that should have decided
   * @return this
   */
  public DecisionAssert isDecidedBy(Limit expected) {
    isNotNull();
    if (!actual.limit().equals(expected)) {
      failWithMessage("expected decision by %s but was by %s in %s", expected, actual.limit(), actual);
    }
    return this;
  }
}
