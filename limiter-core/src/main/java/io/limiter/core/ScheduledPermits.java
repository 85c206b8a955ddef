package io.limiter.core;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Permits reserved in a future slot: the answer of {@link KeySpace#schedule(String, long, long)}, which paces callers
 * instead of refusing them. With a token bucket (GCRA) a request that would be admitted {@code w} nanoseconds from now
 * moves the bucket's theoretical arrival time forward as if it had been admitted then: the permits are taken now, for
 * the slot at {@code now + w}, and the caller proceeds when the slot comes. Callers that reserve one after another get
 * consecutive slots, in the order their reservations reached the store (first come, first served), so a steady caller
 * is never starved by a burst of others.
 *
 * <p>{@link #granted()} says whether a slot within the caller's maximum wait was reserved; {@link #waitNanos()} is then
 * the time from the store's decision to the slot (0: proceed now). A request whose slot would be later than the maximum
 * wait takes nothing; its {@link #decision()} is rejected with the wait it would need as its retry-after.
 *
 * <p>{@link #cancel()} gives the slot back when the caller no longer wants it (interrupted, its future cancelled). The
 * store undoes the reservation only while it is the last one made on the key: returning a slot that later callers have
 * been queued behind would let a later caller run at the same time as one already promised its slot, faster than the
 * limit. Otherwise the slot stays taken (the limit is never exceeded; it loses at most the cancelled permits).
 *
 * <p>Thread-safe: only the first {@link #cancel()} does anything.
 */
public final class ScheduledPermits {

  /** How a store undoes its own reservation of a future slot. For store implementations. */
  @FunctionalInterface
  public interface Canceller {
    /**
     * Undoes the reservation if it is still the last one on its key; called at most once.
     *
     * @return whether the permits were given back
     */
    boolean cancel();
  }

  private static final Canceller NOTHING = () -> false;

  private final Decision decision;
  private final long waitNanos;
  private final Canceller canceller;
  private final AtomicBoolean cancelled = new AtomicBoolean();

  private ScheduledPermits(Decision decision, long waitNanos, Canceller canceller) {
    this.decision = Objects.requireNonNull(decision, "decision");
    this.waitNanos = waitNanos;
    this.canceller = Objects.requireNonNull(canceller, "canceller");
  }

  /**
   * A reserved slot. For store implementations.
   *
   * @param decision the admitting decision (the state after the reservation, at the time of the decision)
   * @param waitNanos nanoseconds from the decision to the slot, at least 0
   * @param canceller undoes the reservation
   * @return the scheduled permits
   */
  public static ScheduledPermits granted(Decision decision, long waitNanos, Canceller canceller) {
    if (!decision.allowed()) {
      throw new IllegalArgumentException("a granted slot needs an allowing decision, not " + decision);
    }
    if (waitNanos < 0) {
      throw new IllegalArgumentException("waitNanos must be >= 0 but was " + waitNanos);
    }
    return new ScheduledPermits(decision, waitNanos, canceller);
  }

  /**
   * A decision taken without waiting: a plain admission (slot now, nothing to give back), a rejection, or a decision
   * of a failure mode. For store implementations.
   *
   * @param decision the decision
   * @return the scheduled permits, {@linkplain #granted() granted} iff the decision allows, with no wait
   */
  public static ScheduledPermits immediate(Decision decision) {
    return new ScheduledPermits(decision, 0, NOTHING);
  }

  /** @return whether a slot within the maximum wait was reserved (the caller may proceed when it comes) */
  public boolean granted() {
    return decision.allowed();
  }

  /** @return the store's decision: allowed with the state after the reservation, or the rejection */
  public Decision decision() {
    return decision;
  }

  /** @return nanoseconds from the store's decision until the slot; 0 when not granted or due now */
  public long waitNanos() {
    return waitNanos;
  }

  /**
   * Gives the slot back if it is still the last reservation on its key (see the class comment); only the first call
   * does anything.
   *
   * @return whether the permits were given back
   */
  public boolean cancel() {
    return granted() && cancelled.compareAndSet(false, true) && canceller.cancel();
  }

  @Override
  public String toString() {
    return "ScheduledPermits{" + (granted() ? "wait " + waitNanos + " ns" : "not granted") + ", " + decision + "}";
  }
}
