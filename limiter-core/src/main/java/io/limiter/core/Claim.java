package io.limiter.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * One policy's part of a request that holds several policies (URL rules, annotations, repeated {@code @RateLimit}):
 * what to reserve, for which key, so that {@link #reserveAll(List)} can take the request's permits all or nothing.
 * Obtained from {@link RateLimiter#claim(String, long)} (and the stepped limiter's {@code claim} methods), or made
 * by a store-level caller with {@link #of(RateLimitStore, KeySpace, String, long)}.
 *
 * <p>A claim is either a <em>store claim</em> (a key space of a known store, a stored key, permits; optionally
 * {@linkplain #soft() soft} and with a completion that turns the store's reservation into the limiter's, e.g. shadow
 * mode and the listener) or a <em>deferred</em> one, which reserves by itself when its turn comes (a limiter of
 * another implementation, a tier that is unlimited, a client blocked by the penalty box). Store claims of one store
 * that follow each other go to {@link RateLimitStore#reserveAll(List)} together: a store that can decide them in one
 * call (the Redis store) does so, atomically; the others reserve them in order and refund on a rejection.
 *
 * <p>Immutable and thread-safe; {@link #reserveAll(List)} may be called from any thread.
 */
public final class Claim {

  private final @Nullable RateLimitStore store;
  private final @Nullable KeySpace space;
  private final @Nullable String key;
  private final long permits;
  private final boolean soft;
  private final UnaryOperator<Reservation> completion;
  private final @Nullable Supplier<Reservation> deferred;
  private final @Nullable Function<RuntimeException, Reservation> onFailure;

  private Claim(@Nullable RateLimitStore store, @Nullable KeySpace space, @Nullable String key, long permits,
      boolean soft, UnaryOperator<Reservation> completion, @Nullable Supplier<Reservation> deferred,
      @Nullable Function<RuntimeException, Reservation> onFailure) {
    this.store = store;
    this.space = space;
    this.key = key;
    this.permits = permits;
    this.soft = soft;
    this.completion = completion;
    this.deferred = deferred;
    this.onFailure = onFailure;
  }

  /**
   * A store claim: reserve {@code permits} for the stored {@code key} in {@code space}, which belongs to
   * {@code store}.
   *
   * @param store the store the key space belongs to
   * @param space the key space (a policy's, or a view of it)
   * @param key a stored key (see {@link KeySpace})
   * @param permits the permits to reserve, at least 1
   * @return the claim: hard (a rejection rejects the request), without completion
   * @throws IllegalArgumentException if {@code permits} is below 1
   */
  public static Claim of(RateLimitStore store, KeySpace space, String key, long permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1 but was " + permits);
    }
    return new Claim(Objects.requireNonNull(store, "store"), Objects.requireNonNull(space, "space"),
        Objects.requireNonNull(key, "key"), permits, false, UnaryOperator.identity(), null, null);
  }

  /**
   * A deferred claim: {@code reserve} is called when its turn comes (in the order of the claims), never batched.
   *
   * @param reserve takes the permits and returns the reservation
   * @return the claim
   */
  public static Claim deferred(Supplier<Reservation> reserve) {
    return new Claim(null, null, null, 0, false, UnaryOperator.identity(), Objects.requireNonNull(reserve, "reserve"),
        null);
  }

  /**
   * Returns this claim marked soft: its rejection does not reject the request (a shadow policy's), so a store
   * deciding several claims together goes on with the next claim instead of stopping.
   *
   * @param isSoft whether it is soft
   * @return the claim
   */
  public Claim soft(boolean isSoft) {
    return new Claim(store, space, key, permits, isSoft, completion, deferred, onFailure);
  }

  /**
   * Returns this claim with a completion applied to the store's reservation before it is handed back (a limiter
   * applies shadow mode, the penalty box and its listener there). Completions run in claim order, on the calling
   * thread.
   *
   * @param then the completion, after any completion this claim has already
   * @return the claim
   */
  public Claim completedBy(UnaryOperator<Reservation> then) {
    Objects.requireNonNull(then, "then");
    UnaryOperator<Reservation> first = completion;
    return new Claim(store, space, key, permits, soft, r -> then.apply(first.apply(r)), deferred, onFailure);
  }

  /**
   * Returns this claim with what decides it when reserving it throws (a front-end's store failure handler). A store
   * claim whose store throws while deciding several claims is then reserved again on its own, in order.
   *
   * @param handler the decision for the failure, as a reservation that took nothing
   * @return the claim
   */
  public Claim onFailure(Function<RuntimeException, Reservation> handler) {
    return new Claim(store, space, key, permits, soft, completion, deferred, Objects.requireNonNull(handler,
        "handler"));
  }

  /**
   * @return the store of a store claim
   * @throws IllegalStateException for a deferred claim ({@link #isDeferred()}), which has none
   */
  public RateLimitStore store() {
    return storeClaim(store);
  }

  /**
   * @return the key space of a store claim
   * @throws IllegalStateException for a deferred claim ({@link #isDeferred()}), which has none
   */
  public KeySpace space() {
    return storeClaim(space);
  }

  /**
   * @return the stored key of a store claim
   * @throws IllegalStateException for a deferred claim ({@link #isDeferred()}), which has none
   */
  public String key() {
    return storeClaim(key);
  }

  /** A store claim's part: set exactly when the claim is not deferred. */
  private <T> T storeClaim(@Nullable T part) {
    if (part == null) {
      throw new IllegalStateException("a deferred claim has no store, key space or key");
    }
    return part;
  }

  /** @return the permits of a store claim, or 0 for a deferred claim */
  public long permits() {
    return permits;
  }

  /** @return whether its rejection leaves the request admitted (a shadow policy) */
  public boolean soft() {
    return soft;
  }

  /** @return whether it reserves by itself rather than through {@link RateLimitStore#reserveAll(List)} */
  public boolean isDeferred() {
    return deferred != null;
  }

  /**
   * Applies the completion to a reservation the store made for this claim. For store implementations and
   * {@link #reserveAll(List)}.
   *
   * @param reservation the store's reservation
   * @return the reservation as the claim's limiter reports it
   */
  public Reservation complete(Reservation reservation) {
    return completion.apply(reservation);
  }

  /** Reserves this claim alone: a deferred claim's own reservation, or the key space's. */
  Reservation reserveAlone() {
    try {
      return deferred != null ? deferred.get() : complete(space().reserve(key(), permits));
    } catch (RuntimeException e) {
      if (onFailure == null) {
        throw e;
      }
      return onFailure.apply(e);
    }
  }

  /**
   * Takes the permits of every claim, all or nothing: the claims are decided in order; when one rejects the request
   * (its reported decision is {@link Decision#rejected()}), nothing stays taken by any claim, and the claims after it
   * are not decided. Consecutive store claims of one store go to {@link RateLimitStore#reserveAll(List)} together
   * (the Redis store decides them in one script call when their keys allow it); across stores, and for deferred
   * claims, the permits taken before a rejection are refunded.
   *
   * @param claims the request's claims, in the order the request is decided
   * @return one reservation per decided claim, in order: all of them if none rejects, else up to and including the
   *     rejecting one, and then none of them holds permits ({@link Reservation#taken()} may still be true of those
   *     refunded; they are settled)
   * @throws RuntimeException what a claim without {@linkplain #onFailure failure handler} threw; the permits taken
   *     before it are refunded first
   */
  public static List<Reservation> reserveAll(List<Claim> claims) {
    List<Reservation> out = new ArrayList<>(claims.size());
    int i = 0;
    try {
      while (i < claims.size()) {
        Claim c = claims.get(i);
        int end = i + 1;
        if (c.deferred == null) {
          while (end < claims.size() && claims.get(end).deferred == null && claims.get(end).store == c.store) {
            end++;
          }
        }
        if (end - i == 1) {
          Reservation r = c.reserveAlone();
          out.add(r);
          if (r.decision().rejected()) {
            refund(out);
            return out;
          }
        } else if (group(claims.subList(i, end), out)) {
          refund(out);
          return out;
        }
        i = end;
      }
      return out;
    } catch (RuntimeException e) {
      refund(out);
      throw e;
    }
  }

  /** Decides a run of store claims of one store; adds their reservations; returns whether one rejected. */
  private static boolean group(List<Claim> run, List<Reservation> out) {
    List<Reservation> stored;
    try {
      stored = run.get(0).store().reserveAll(run);
    } catch (RuntimeException e) {
      // a store throws before it takes anything (a bad key, say): each claim alone, with its own failure handling
      for (Claim c : run) {
        Reservation r = c.reserveAlone();
        out.add(r);
        if (r.decision().rejected()) {
          return true;
        }
      }
      return false;
    }
    for (int k = 0; k < stored.size(); k++) {
      Reservation r = run.get(k).complete(stored.get(k));
      out.add(r);
      if (r.decision().rejected()) {
        return true;
      }
    }
    return false;
  }

  /** Refunds what the reservations took; a failing refund is the store's to report, never the request's. */
  private static void refund(List<Reservation> reservations) {
    for (Reservation r : reservations) {
      try {
        r.refund();
      } catch (RuntimeException e) {
        System.getLogger(Claim.class.getName()).log(System.Logger.Level.WARNING,
            "refunding a reservation of policy " + r.policy().name() + " failed", e);
      }
    }
  }

  /**
   * The default of {@link RateLimitStore#reserveAll(List)}: each claim reserved in its key space in order; on a
   * rejection of a claim that is not soft, the permits taken before it are refunded and the rest is not decided.
   *
   * @param claims store claims
   * @return the store's reservations (before completion)
   */
  static List<Reservation> reserveInOrder(List<Claim> claims) {
    List<Reservation> out = new ArrayList<>(claims.size());
    try {
      for (Claim c : claims) {
        Reservation r = c.space().reserve(c.key(), c.permits);
        out.add(r);
        if (!r.allowed() && !c.soft) {
          refund(out);
          return out;
        }
      }
    } catch (RuntimeException e) {
      refund(out);
      throw e;
    }
    return out;
  }

  @Override
  public String toString() {
    return deferred != null ? "Claim{deferred}" : "Claim{" + permits + " of " + space().policy().name() + " for " + key()
        + (soft ? ", soft" : "") + "}";
  }
}
