package io.limiter.core;

import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Permits taken now, all or nothing across the limits of a policy, whose final cost is settled later: the basis of
 * charging on outcome, of costs known only after a call (tokens, bytes) and of refunding a request that another
 * policy rejected. Obtained from {@link RateLimiter#reserve(String, long)} or {@link KeySpace#reserve(String, long)}.
 *
 * <p>{@link #settle(long)} sets the reservation's actual cost once: less than reserved refunds the difference, more
 * charges the difference, equal changes nothing (and costs no call to a remote store). Per algorithm:
 * <ul>
 *   <li>token bucket: a refund moves the bucket's full-again time back by the refunded permits' refill time, never
 *       before now (a bucket is never fuller than full); an extra charge moves it forward, at most to an empty bucket
 *       (the excess is dropped, so one call can never lock a client out for longer than an empty bucket does);
 *   <li>fixed window: a refund takes the permits off the window that was charged, if that window is still the
 *       counting one (else it has reset anyway); an extra charge counts in the current window, at most up to the
 *       limit;
 *   <li>sliding window: a refund takes the permits off the window they were charged in, as the current or the
 *       previous window, and is dropped once that window has slid out; an extra charge counts in the current window,
 *       at most up to the limit.
 * </ul>
 * A refund of a key whose state has expired meanwhile (it was full again) is a no-op; an extra charge always
 * applies. A reservation that took nothing ({@link #taken()} is false: rejected, shadow-rejected, decided by a
 * failure mode, or unlimited) settles as a no-op.
 *
 * <p>{@link #settleAsync(long)} and {@link #refundAsync()} settle without blocking the caller: a remote store sends its
 * settlement and completes the stage when the server answers (or the store's command timeout expires), on the thread
 * that receives the answer; the local stores settle before returning and complete the stage at once.
 *
 * <p>Thread-safe: settling is atomic in the store, and only the first call to {@link #settle} (or {@link #refund},
 * {@link #commit}, {@link #settleAsync}, {@link #refundAsync}) of a reservation does anything.
 */
public final class Reservation {

  /** How a store settles its own reservations. For store implementations. */
  @FunctionalInterface
  public interface Settler {
    /**
     * Settles a reservation that took its permits; called at most once per reservation, never with
     * {@code actual == reservation.permits()}.
     *
     * @param reservation the reservation
     * @param actualPermits its actual cost, at least 0
     */
    void settle(Reservation reservation, long actualPermits);

    /**
     * Settles like {@link #settle(Reservation, long)} without blocking the caller: a store that settles on a server
     * sends the settlement and completes the stage when it has been applied (or has failed). The default settles
     * with {@link #settle(Reservation, long)} on the calling thread, which suits a store whose settlement does not
     * block (the local stores).
     *
     * @param reservation the reservation
     * @param actualPermits its actual cost, at least 0
     * @return completes when the settlement is done; exceptionally if it failed
     */
    default CompletionStage<Void> settleAsync(Reservation reservation, long actualPermits) {
      try {
        settle(reservation, actualPermits);
        return CompletableFuture.completedFuture(null);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
  }

  /** Shared answers: minimal stages, which no caller can complete or obtrude (a shared future could be). */
  private static final CompletionStage<Boolean> SETTLED_NOW = CompletableFuture.completedStage(true);
  private static final CompletionStage<Boolean> SETTLED_BEFORE = CompletableFuture.completedStage(false);

  private final Decision decision;
  private final String key;
  private final LimitPolicy policy;
  private final long permits;
  private final long stamp;
  private final @Nullable Settler settler;
  private final AtomicBoolean settled;

  private Reservation(Decision decision, String key, LimitPolicy policy, long permits, long stamp,
      @Nullable Settler settler, AtomicBoolean settled) {
    this.decision = decision;
    this.key = key;
    this.policy = policy;
    this.permits = permits;
    this.stamp = stamp;
    this.settler = settler;
    this.settled = settled;
  }

  /**
   * Creates a reservation. For store implementations.
   *
   * @param decision the store's decision; permits were taken iff it is {@linkplain Decision#allowed() allowed} and
   *     not {@linkplain Decision#degraded() degraded}
   * @param key the stored key
   * @param policy the (effective) policy the permits were taken under
   * @param permits the permits reserved
   * @param stamp the store's time of the charge, in the store's own units (which windows were charged)
   * @param settler how the store settles it
   * @return the reservation
   */
  public static Reservation of(Decision decision, String key, LimitPolicy policy, long permits, long stamp,
      Settler settler) {
    return new Reservation(Objects.requireNonNull(decision, "decision"), Objects.requireNonNull(key, "key"),
        Objects.requireNonNull(policy, "policy"), permits, stamp, Objects.requireNonNull(settler, "settler"),
        new AtomicBoolean());
  }

  /**
   * Creates a reservation that took nothing and settles as a no-op (an unlimited tier, a blocked client).
   *
   * @param decision the decision
   * @param key the key
   * @return the reservation
   */
  public static Reservation none(Decision decision, String key) {
    return new Reservation(Objects.requireNonNull(decision, "decision"), Objects.requireNonNull(key, "key"),
        decision.policy(), 0, 0, null, new AtomicBoolean());
  }

  /**
   * Returns this reservation with the decision a limiter reports (shadow mode applied, say); settling either settles
   * both. For limiter implementations.
   *
   * @param reported the decision to report
   * @return the reservation carrying it
   */
  public Reservation withDecision(Decision reported) {
    if (reported == decision) {
      return this;
    }
    return new Reservation(Objects.requireNonNull(reported, "reported"), key, policy, permits, stamp,
        taken() ? settler : null, settled);
  }

  /** @return the decision made when the permits were reserved */
  public Decision decision() {
    return decision;
  }

  /** @return whether the request may proceed (as {@link Decision#allowed()}) */
  public boolean allowed() {
    return decision.allowed();
  }

  /** @return whether permits were taken from the store, i.e. whether settling can change anything */
  public boolean taken() {
    return settler != null && decision.outcome() == Decision.Outcome.ALLOWED && !decision.degraded()
        && !decision.unlimited();
  }

  /** @return the stored key */
  public String key() {
    return key;
  }

  /** @return the policy the permits were taken under (a step level's or tier's, if one applied) */
  public LimitPolicy policy() {
    return policy;
  }

  /** @return the permits reserved */
  public long permits() {
    return permits;
  }

  /** @return the store's time of the charge, in the store's units; for the store that made it */
  public long stamp() {
    return stamp;
  }

  /** @return whether it has been settled (or took nothing to settle) */
  public boolean settled() {
    return settled.get();
  }

  /**
   * Sets the actual cost: refunds or charges the difference to {@link #permits()}. Only the first call of
   * {@code settle}, {@link #refund()} or {@link #commit()} on a reservation has an effect; later calls return false.
   *
   * @param actualPermits the actual cost, at least 0
   * @return whether this call settled it (false if it was settled already)
   * @throws IllegalArgumentException if {@code actualPermits} is negative
   */
  public boolean settle(long actualPermits) {
    if (actualPermits < 0) {
      throw new IllegalArgumentException("actual permits must be >= 0 but was " + actualPermits);
    }
    if (!settled.compareAndSet(false, true)) {
      return false;
    }
    if (settler != null && taken() && actualPermits != permits) {
      settler.settle(this, actualPermits);
    }
    return true;
  }

  /**
   * Gives all reserved permits back: {@code settle(0)}.
   *
   * @return whether this call settled it
   */
  public boolean refund() {
    return settle(0);
  }

  /**
   * {@link #settle(long)} without blocking the caller: the settlement is sent to the store and the stage completes
   * once it is applied, on the thread that learns it (a remote store's I/O or timer thread; the caller's for the local
   * stores, which complete it before returning). Only the first settlement of a reservation, of either form, has an
   * effect. A failed settlement leaves the reserved cost charged; the stores of this library count and log it and
   * complete the stage normally, a store whose settler throws completes it exceptionally.
   *
   * @param actualPermits the actual cost, at least 0
   * @return whether this call settled it (false if it was settled already), once done
   * @throws IllegalArgumentException if {@code actualPermits} is negative
   */
  public CompletionStage<Boolean> settleAsync(long actualPermits) {
    if (actualPermits < 0) {
      throw new IllegalArgumentException("actual permits must be >= 0 but was " + actualPermits);
    }
    if (!settled.compareAndSet(false, true)) {
      return SETTLED_BEFORE;
    }
    if (settler == null || !taken() || actualPermits == permits) {
      return SETTLED_NOW;
    }
    CompletionStage<Void> done;
    try {
      done = settler.settleAsync(this, actualPermits);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return done.thenApply(nothing -> true);
  }

  /**
   * Gives all reserved permits back without blocking the caller: {@code settleAsync(0)}.
   *
   * @return whether this call settled it, once done
   */
  public CompletionStage<Boolean> refundAsync() {
    return settleAsync(0);
  }

  /**
   * Refunds every reservation without blocking the caller ({@link #refundAsync()} of each, all sent at once) and
   * completes when every refund is done: how an all-or-nothing front-end gives back what a rejected request holds. A
   * refund that fails is logged, never thrown: the stage completes normally (the request was decided; a refund that
   * does not reach the store leaves the reserved cost charged).
   *
   * @param reservations the reservations; read before this returns
   * @return completes when every refund has completed, on the thread that completes the last of them
   */
  public static CompletionStage<Void> refundAllAsync(Collection<Reservation> reservations) {
    CompletableFuture<Void> all = new CompletableFuture<>();
    // one count per refund and one for this loop, so that refunds completing while the loop runs cannot finish early
    AtomicInteger open = new AtomicInteger(reservations.size() + 1);
    for (Reservation r : reservations) {
      CompletionStage<Boolean> refund;
      try {
        refund = r.refundAsync();
      } catch (RuntimeException e) {
        refund = CompletableFuture.failedFuture(e);
      }
      refund.whenComplete((done, failure) -> {
        if (failure != null) {
          System.getLogger(Reservation.class.getName()).log(System.Logger.Level.WARNING,
              "refunding a reservation of policy " + r.policy().name() + " failed", failure);
        }
        if (open.decrementAndGet() == 0) {
          all.complete(null);
        }
      });
    }
    if (open.decrementAndGet() == 0) {
      all.complete(null);
    }
    return all;
  }

  /**
   * Keeps the reserved permits as the actual cost: {@code settle(permits())}; no call to any store.
   *
   * @return whether this call settled it
   */
  public boolean commit() {
    return settle(permits);
  }

  @Override
  public String toString() {
    return "Reservation{" + permits + " of " + policy.name() + " for " + key + ", " + decision.outcome()
        + (settled() ? ", settled" : "") + "}";
  }
}
