package io.limiter.spring.boot;

import io.limiter.core.PolicyChange;
import java.util.Objects;
import org.springframework.context.ApplicationEvent;

/**
 * Published by {@link LimiterPolicyRefresh} for every policy that a refresh of {@code limiter.policies.*} changed or
 * added (one event per policy), after the change took effect. Immutable.
 */
public class RateLimitPolicyChangedEvent extends ApplicationEvent {

  private static final long serialVersionUID = 1L;

  private final transient PolicyChange change;

  /**
   * @param source the refresher
   * @param change what changed
   */
  public RateLimitPolicyChangedEvent(Object source, PolicyChange change) {
    super(source);
    this.change = Objects.requireNonNull(change, "change");
  }

  /** @return the change: the policy before (null if added) and after, and whether the clients' state carried over */
  public PolicyChange change() {
    return change;
  }

  @Override
  public String toString() {
    return "RateLimitPolicyChangedEvent{" + change + "}";
  }
}
