package io.limiter.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One policy replaced at runtime in a {@link RateLimiterRegistry}: what it was, what it is now, and whether the clients'
 * state carried over. State belongs to the policy's name and the shape of its limits (algorithm and periods, in any
 * order, and which of them warm up): a change of counts, bursts, cost, shadow or failure mode keeps every client's
 * state, interpreted under the new limits (clamped, never a lockout); a change of shape starts every client from empty
 * state.
 *
 * @param name the policy's name
 * @param previous the policy before, or null if the change added it
 * @param current the policy now
 */
public record PolicyChange(String name, @Nullable LimitPolicy previous, LimitPolicy current) {

  /**
   * @param name the policy's name
   * @param previous the policy before, or null if the change added it
   * @param current the policy now
   */
  public PolicyChange {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(current, "current");
  }

  /** @return whether the clients' state carried over (same name and shape); false for an added policy */
  public boolean stateKept() {
    return previous != null && sameShape(previous, current);
  }

  /**
   * @param a a policy
   * @param b another
   * @return whether their state has the same shape: same name, algorithm and multiset of periods, and the same limits
   *     warm up
   */
  static boolean sameShape(LimitPolicy a, LimitPolicy b) {
    return a.sameShapeAs(b);
  }

  @Override
  public String toString() {
    return "PolicyChange{" + name + ": " + (previous == null ? "added" : previous.spec() + " -> ") + current.spec()
        + (previous == null ? "" : stateKept() ? ", state kept" : ", state reset (another shape)") + "}";
  }
}
