package io.limiter.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
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
 * <p>{@link #reserveAllAsync(List)} is the same all-or-nothing reservation without blocking the caller: the
 * non-blocking front-ends (a WebFlux filter, a gateway) decide with it, also on a remote store.
 *
 * <p>Immutable and thread-safe; {@link #reserveAll(List)} and {@link #reserveAllAsync(List)} may be called from any
 * thread.
 */
public final class Claim {

  private final @Nullable RateLimitStore store;
  private final @Nullable KeySpace space;
  private final @Nullable String key;
  private final long permits;
  private final boolean soft;
  private final UnaryOperator<Reservation> completion;
  private final @Nullable Supplier<Reservation> deferred;
  /** A deferred claim's own async form; null: its synchronous form, which then must not block. */
  private final @Nullable Supplier<? extends CompletionStage<Reservation>> deferredAsync;
  private final @Nullable Function<RuntimeException, Reservation> onFailure;

  private Claim(@Nullable RateLimitStore store, @Nullable KeySpace space, @Nullable String key, long permits,
      boolean soft, UnaryOperator<Reservation> completion, @Nullable Supplier<Reservation> deferred,
      @Nullable Supplier<? extends CompletionStage<Reservation>> deferredAsync,
      @Nullable Function<RuntimeException, Reservation> onFailure) {
    this.store = store;
    this.space = space;
    this.key = key;
    this.permits = permits;
    this.soft = soft;
    this.completion = completion;
    this.deferred = deferred;
    this.deferredAsync = deferredAsync;
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
        Objects.requireNonNull(key, "key"), permits, false, UnaryOperator.identity(), null, null, null);
  }

  /**
   * A deferred claim: {@code reserve} is called when its turn comes (in the order of the claims), never batched.
   * {@link #reserveAllAsync(List)} calls it too, on the thread that decided the claim before it, so it must not block:
   * this form is for claims decided without a store call (an unlimited tier, a client blocked by the penalty box, a
   * failure already decided). A claim that calls a remote store gives its async form with
   * {@link #deferred(Supplier, Supplier)}.
   *
   * @param reserve takes the permits and returns the reservation
   * @return the claim
   */
  public static Claim deferred(Supplier<Reservation> reserve) {
    return new Claim(null, null, null, 0, false, UnaryOperator.identity(), Objects.requireNonNull(reserve, "reserve"),
        null, null);
  }

  /**
   * A deferred claim with an async form: {@link #reserveAll(List)} calls {@code reserve} in its turn,
   * {@link #reserveAllAsync(List)} calls {@code reserveAsync} and goes on when its stage completes.
   *
   * @param reserve takes the permits and returns the reservation
   * @param reserveAsync takes the permits without blocking; its stage completes with the reservation
   * @return the claim
   */
  public static Claim deferred(Supplier<Reservation> reserve,
      Supplier<? extends CompletionStage<Reservation>> reserveAsync) {
    return new Claim(null, null, null, 0, false, UnaryOperator.identity(), Objects.requireNonNull(reserve, "reserve"),
        Objects.requireNonNull(reserveAsync, "reserveAsync"), null);
  }

  /**
   * Returns this claim marked soft: its rejection does not reject the request (a shadow policy's), so a store
   * deciding several claims together goes on with the next claim instead of stopping.
   *
   * @param isSoft whether it is soft
   * @return the claim
   */
  public Claim soft(boolean isSoft) {
    if (isSoft == soft) {
      return this; // immutable: the same claim (a limiter marks every claim, and most are not soft)
    }
    return new Claim(store, space, key, permits, isSoft, completion, deferred, deferredAsync, onFailure);
  }

  /**
   * Returns this claim with a completion applied to the store's reservation before it is handed back (a limiter
   * applies shadow mode, the penalty box and its listener there). Completions run in claim order, on the calling
   * thread ({@link #reserveAllAsync(List)}: on the thread that completes the store's stage), so they must not block.
   *
   * @param then the completion, after any completion this claim has already
   * @return the claim
   */
  public Claim completedBy(UnaryOperator<Reservation> then) {
    Objects.requireNonNull(then, "then");
    UnaryOperator<Reservation> first = completion;
    return new Claim(store, space, key, permits, soft, r -> then.apply(first.apply(r)), deferred, deferredAsync,
        onFailure);
  }

  /**
   * Returns this claim with what decides it when reserving it throws, or (async) its stage fails (a front-end's store
   * failure handler). A store claim whose store throws while deciding several claims is then reserved again on its
   * own, in order. A stage failing with a checked exception hands it to the handler wrapped in a
   * {@link CompletionException}.
   *
   * @param handler the decision for the failure, as a reservation that took nothing
   * @return the claim
   */
  public Claim onFailure(Function<RuntimeException, Reservation> handler) {
    return new Claim(store, space, key, permits, soft, completion, deferred, deferredAsync,
        Objects.requireNonNull(handler, "handler"));
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

  /**
   * {@link #complete} of a reservation the store made: if the completion throws, the store's reservation (which
   * nobody else will see) is refunded before the failure goes on, so its permits do not stay taken.
   *
   * @param async whether to refund without blocking (on a remote store's I/O thread)
   */
  private Reservation completeTaken(Reservation made, boolean async) {
    try {
      return complete(made);
    } catch (Throwable e) { // a checked one too (sneaked by a Kotlin completion): the permits go back all the same
      if (async) {
        Reservation.refundAllAsync(List.of(made)); // a failing refund is logged there
      } else {
        refund(List.of(made));
      }
      throw e;
    }
  }

  /** Reserves this claim alone: a deferred claim's own reservation, or the key space's. */
  Reservation reserveAlone() {
    try {
      return deferred != null ? deferred.get() : completeTaken(space().reserve(key(), permits), false);
    } catch (RuntimeException e) {
      if (onFailure == null) {
        throw e;
      }
      return onFailure.apply(e);
    } catch (Exception e) { // checked, sneaked: the failure handler decides it too, as reserveAloneAsync's does
      if (onFailure == null) {
        throw e;
      }
      return onFailure.apply(new CompletionException(e));
    }
  }

  /**
   * {@link #reserveAlone()} without blocking: the deferred claim's async form (else its synchronous one), or the key
   * space's {@link KeySpace#reserveAsync(String, long)}; a failure goes to the failure handler as there.
   */
  CompletionStage<Reservation> reserveAloneAsync() {
    CompletionStage<Reservation> stage;
    try {
      if (deferred == null) {
        CompletionStage<Reservation> stored = space().reserveAsync(key(), permits);
        CompletableFuture<Reservation> now = doneNormally(stored);
        // a local store has decided already: completed in place, as thenApply would on the calling thread (a
        // completion that throws fails the stage all the same: caught below, then the failure handler)
        if (now == null) {
          stage = stored.thenApply(made -> completeTaken(made, true));
        } else {
          Reservation made = now.join();
          Reservation completed = completeTaken(made, true);
          stage = completed == made ? now : CompletableFuture.completedFuture(completed); // the same value either way
        }
      } else if (deferredAsync != null) {
        stage = Objects.requireNonNull(deferredAsync.get(), "the stage of a deferred claim");
      } else {
        stage = CompletableFuture.completedFuture(deferred.get());
      }
    } catch (Exception e) { // a checked one too: the failure handler below decides it, as on the asynchronous path
      stage = CompletableFuture.failedFuture(e);
    }
    Function<RuntimeException, Reservation> handler = onFailure;
    if (handler == null || doneNormally(stage) != null) {
      return stage;
    }
    return stage.exceptionally(failure -> {
      Throwable cause = unwrap(failure);
      if (cause instanceof Error error) {
        throw error;
      }
      return handler.apply(cause instanceof RuntimeException e ? e : new CompletionException(cause));
    });
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
    } catch (Throwable e) { // whatever failed the request (a checked exception sneaked by a completion too)
      refund(out);
      throw e;
    }
  }

  /**
   * {@link #reserveAll(List)} without blocking the caller, with exactly its contract: the same order, the same groups
   * (consecutive store claims of one store go to {@link RateLimitStore#reserveAllAsync(List)} together, and are
   * reserved one by one if that fails), the same completions, soft claims and failure handlers, and on a rejection
   * or a failure the permits taken before it are refunded ({@link Reservation#refundAsync()}) before the stage
   * completes. The next claim (or group) is sent when the one before it is decided, never earlier: a request's later
   * policies are not charged before an earlier one admitted it.
   *
   * <p>Nothing here blocks if nothing below does: store claims reserve through the stores' async forms (the Redis
   * store sends its script call through the client's asynchronous API; the local stores decide at once), deferred
   * claims through their async form ({@link #deferred(Supplier, Supplier)}) or, for one made without, their
   * synchronous form, which is for claims decided without a store (see {@link #deferred(Supplier)}).
   *
   * <p>Threads: completions, failure handlers and the next claim run on the thread that completes the stage before
   * them: the caller's while every stage is complete at once (local stores: the returned stage is complete before
   * this method returns), else a remote store's I/O thread, or its timer thread when a command timeout expires.
   * Dependent stages of the result run there too and must not block.
   *
   * @param claims the request's claims, in the order the request is decided
   * @return the reservations as {@link #reserveAll(List)} returns them; completes exceptionally with what a claim
   *     without failure handler failed with, after the permits taken before it were refunded
   */
  public static CompletionStage<List<Reservation>> reserveAllAsync(List<Claim> claims) {
    return new AllAsync(List.copyOf(claims), false).start();
  }

  /**
   * The default of {@link RateLimitStore#reserveAllAsync(List)}: {@link #reserveInOrder(List)} through
   * {@link KeySpace#reserveAsync(String, long)}.
   *
   * @param claims store claims
   * @return the store's reservations (before completion)
   */
  static CompletionStage<List<Reservation>> reserveInOrderAsync(List<Claim> claims) {
    return new AllAsync(List.copyOf(claims), true).start();
  }

  /** @return the future, if the stage is one that has completed normally; else null */
  private static <T> @Nullable CompletableFuture<T> doneNormally(CompletionStage<T> stage) {
    return stage instanceof CompletableFuture<T> f && f.isDone() && !f.isCompletedExceptionally() ? f : null;
  }

  /** @return the failure a stage's callback sees, without the wrappers the stage added */
  private static Throwable unwrap(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  /** @return the end (exclusive) of the group of claims starting at {@code i}: one store's consecutive store claims */
  private static int groupEnd(List<Claim> claims, int i) {
    Claim c = claims.get(i);
    int end = i + 1;
    if (c.deferred == null) {
      while (end < claims.size() && claims.get(end).deferred == null && claims.get(end).store == c.store) {
        end++;
      }
    }
    return end;
  }

  /**
   * One run of {@link #reserveAllAsync} (or, {@code inStore}, of the store default {@link #reserveInOrderAsync}): the
   * claims are decided one group at a time, each once the one before it is decided, so at most one stage is open.
   * A stage that is complete already (local stores) is read in the loop, without a callback, so a request of local
   * claims costs a few completed futures and no recursion. One writer at a time: the fields are touched by the thread
   * running {@link #run()}, and it hands over to the next one only through a stage's completion, which orders the
   * writes before it (happens-before) — so no field needs to be volatile.
   */
  private static final class AllAsync {
    private final List<Claim> claims;
    /** The store default: each claim in its key space, no completion, stop at a rejection that is not soft. */
    private final boolean inStore;
    private final List<Reservation> out;
    private final CompletableFuture<List<Reservation>> result = new CompletableFuture<>();
    /** The first claim not yet sent. */
    private int next;
    /** Claims before this index are reserved alone: their store failed to decide them as a group. */
    private int aloneUntil;

    AllAsync(List<Claim> claims, boolean inStore) {
      this.claims = claims;
      this.inStore = inStore;
      this.out = new ArrayList<>(claims.size());
    }

    CompletableFuture<List<Reservation>> start() {
      run();
      return result;
    }

    /** Sends claims until one is pending (its callback goes on) or the request is decided. */
    private void run() {
      try {
        while (next < claims.size()) {
          int start = next;
          Claim c = claims.get(start);
          int end = inStore || start < aloneUntil ? start + 1 : groupEnd(claims, start);
          next = end;
          if (end - start == 1) {
            CompletionStage<Reservation> stage = inStore ? c.space().reserveAsync(c.key(), c.permits)
                : c.reserveAloneAsync();
            CompletableFuture<Reservation> now = doneNormally(stage);
            if (now == null) {
              stage.whenComplete((r, failure) -> resume(c, r, failure));
              return;
            }
            if (took(c, now.join())) {
              return;
            }
          } else {
            CompletionStage<List<Reservation>> stage;
            try {
              stage = c.store().reserveAllAsync(claims.subList(start, end));
            } catch (RuntimeException e) {
              stage = CompletableFuture.failedFuture(e);
            }
            CompletableFuture<List<Reservation>> now = doneNormally(stage);
            if (now == null) {
              stage.whenComplete((stored, failure) -> resumeGroup(start, end, stored, failure));
              return;
            }
            if (tookAll(start, end, now.join())) {
              return;
            }
          }
        }
        result.complete(out);
      } catch (Throwable e) { // a completion or handler threw: the request fails, as reserveAll would throw
        fail(e);
      }
    }

    private void resume(Claim c, @Nullable Reservation r, @Nullable Throwable failure) {
      if (failure != null) {
        fail(failure);
        return;
      }
      try {
        if (!took(c, Objects.requireNonNull(r, "reservation"))) {
          run();
        }
      } catch (Throwable e) {
        fail(e);
      }
    }

    private void resumeGroup(int start, int end, @Nullable List<Reservation> stored, @Nullable Throwable failure) {
      if (failure != null) {
        if (!(unwrap(failure) instanceof RuntimeException)) {
          fail(failure);
          return;
        }
        // the store failed before it took anything (a bad key, say): each claim alone, with its own failure handling
        aloneUntil = end;
        next = start;
        run();
        return;
      }
      try {
        if (!tookAll(start, end, Objects.requireNonNull(stored, "reservations"))) {
          run();
        }
      } catch (Throwable e) {
        fail(e);
      }
    }

    /** Adds a claim's reservation; returns whether the request is decided by it (then finishing it). */
    private boolean took(Claim c, Reservation r) {
      out.add(r);
      boolean stops = inStore ? !r.allowed() && !c.soft : r.decision().rejected();
      if (stops) {
        Reservation.refundAllAsync(out).whenComplete((done, never) -> result.complete(out));
      }
      return stops;
    }

    /** Adds a group's reservations, completed by their claims; returns whether one of them rejected the request. */
    private boolean tookAll(int start, int end, List<Reservation> stored) {
      if (stored.size() > end - start) { // never complete a claim of the next group with a stray reservation
        Reservation.refundAllAsync(stored);
        throw new IllegalStateException("the store answered " + stored.size() + " reservations for " + (end - start)
            + " claims");
      }
      for (int k = 0; k < stored.size(); k++) {
        Claim c = claims.get(start + k);
        Reservation completed;
        try {
          completed = c.complete(stored.get(k));
        } catch (Throwable e) { // a checked one a completion sneaked too
          // not in out yet (fail refunds only what out holds); the rest of the group was never handed back either
          Reservation.refundAllAsync(stored.subList(k, stored.size()));
          throw e;
        }
        if (took(c, completed)) {
          return true;
        }
      }
      return false;
    }

    /** Fails the request after refunding what it took, as {@link #reserveAll(List)} throws after its refunds. */
    private void fail(Throwable failure) {
      Throwable cause = unwrap(failure);
      Reservation.refundAllAsync(out).whenComplete((done, never) -> result.completeExceptionally(cause));
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
      Reservation r;
      try {
        r = run.get(k).complete(stored.get(k));
      } catch (Throwable e) { // a checked one a completion sneaked too
        refund(stored.subList(k, stored.size())); // not in out yet: the caller refunds only what out holds
        throw e;
      }
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
      } catch (Exception e) { // a checked one a store sneaked too: the other refunds still run
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
    } catch (Throwable e) {
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
