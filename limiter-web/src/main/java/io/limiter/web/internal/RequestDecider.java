package io.limiter.web.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Claim;
import io.limiter.core.Decision;
import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.Reservation;
import io.limiter.core.spi.StoreFailureHandler;
import io.limiter.core.step.StepController;
import io.limiter.web.HttpRequestView;
import io.limiter.web.PathSpellings;
import io.limiter.web.Rejection;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The stack-neutral part of the filter's per-request work, over an {@link HttpRequestView}: path spellings →
 * exemptions → the rules matching any spelling and the target's own bindings → keys (missing keys per their
 * strategy) → the request's claims decided together, all or nothing → a {@link Verdict}. Writing the verdict (fields,
 * the rejection, proceeding, settling on the outcome) is the stack's: {@code RateLimitEngine} for servlets. Nothing
 * here names a servlet type (ArchitectureTest), so another stack's filter can decide with it.
 *
 * <p>All or nothing: on a rejection or a missing key that rejects, every reservation the request holds is refunded
 * (also those an earlier filter or, in Spring, an annotation took: the {@code held} list), before the verdict is
 * returned, so a rejected request costs nothing under any policy.
 *
 * <p>Thread-safe: immutable; a {@link State} belongs to one request, used by one thread at a time.
 */
public final class RequestDecider {

  private static final System.Logger LOG = System.getLogger("io.limiter.servlet.RateLimitFilter");

  private final List<Binding> rules;
  private final List<PathPattern> excludes;
  private final boolean lowerCase;
  private final int status;
  private final int missingKeyStatus;
  private final StoreFailureHandler failureHandler;

  /**
   * @param rules path rule bindings, in evaluation order
   * @param excludes exempt paths, case-sensitive (the server routes by case)
   * @param lowerCase whether paths are matched case-insensitively (patterns are lower case then)
   * @param status the status of rate-limited responses
   * @param missingKeyStatus the status for requests without a required key
   * @param failureHandler decides when a store throws
   */
  public RequestDecider(List<Binding> rules, List<PathPattern> excludes, boolean lowerCase, int status,
      int missingKeyStatus, StoreFailureHandler failureHandler) {
    this.rules = List.copyOf(rules);
    this.excludes = List.copyOf(excludes);
    this.lowerCase = lowerCase;
    this.status = status;
    this.missingKeyStatus = missingKeyStatus;
    this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
  }

  /**
   * What one request has been charged so far, kept across its dispatches (the servlet part stores it in a request
   * attribute): a binding charged earlier in the request is never charged again. Touched by one thread at a time.
   */
  public static final class State {
    final List<Binding> charged = new ArrayList<>(2);
    final List<Decision> visible = new ArrayList<>(2);
    /** Empty until a shadow policy would reject (rare): the list is made then. */
    private List<Decision> shadow = List.of();
    final List<Map.Entry<String, String>> keys = new ArrayList<>(2);

    /** @return the decisions of the non-shadow policies, for the fields; a live list */
    public List<Decision> visible() {
      return visible;
    }

    /** @return the shadow policies' would-reject decisions; a live list once there is one (read it again after) */
    public List<Decision> shadow() {
      return shadow;
    }

    void addShadow(Decision decision) {
      if (shadow.isEmpty()) {
        shadow = new ArrayList<>(2);
      }
      shadow.add(decision);
    }

    /** @return policy name and client key charged ({@code ""} for a shared bucket), in order; a live list */
    public List<Map.Entry<String, String>> keys() {
      return keys;
    }
  }

  /** What the stack does with a request. */
  public enum Kind {
    /** Nothing applies (an exempt path, no matching rule): proceed, write nothing. */
    PASS,
    /** The path cannot be read with confidence: refuse with {@link Verdict#rejection()}, write no fields. */
    REFUSED,
    /** Every claim was admitted: write the fields, proceed, settle {@link Verdict#onOutcome()} when it completes. */
    ADMITTED,
    /** A policy rejected the request (held permits already refunded): write the fields, then the rejection. */
    REJECTED,
    /**
     * A rule needs a key the request lacks (held permits already refunded): write the fields, the challenge of
     * {@link Verdict#missingKey()} if the status is 401, then the rejection.
     */
    MISSING_KEY
  }

  /**
   * The decision on one request (one dispatch of it).
   *
   * @param kind what to do
   * @param state the request's state, to keep for its next dispatches; null for {@link Kind#PASS} and
   *     {@link Kind#REFUSED} when the request had none
   * @param rejection how to refuse, for {@link Kind#REFUSED}, {@link Kind#REJECTED} and {@link Kind#MISSING_KEY}
   * @param missingKey the binding whose key is missing, for {@link Kind#MISSING_KEY}
   * @param admitted the step controllers to feed with the admitted call; empty if none
   * @param onOutcome reservations to settle when the response is complete (charge on outcome, actual cost,
   *     concurrency permits); empty if none
   * @param outcomeRules the binding of each of {@code onOutcome}, same order
   */
  public record Verdict(Kind kind, @Nullable State state, @Nullable Rejection rejection,
      @Nullable Binding missingKey, List<StepController> admitted, List<Reservation> onOutcome,
      List<Binding> outcomeRules) {

    private static final Verdict PASS = new Verdict(Kind.PASS, null, null, null, List.of(), List.of(), List.of());

    static Verdict pass(@Nullable State state) {
      return state == null ? PASS : new Verdict(Kind.PASS, state, null, null, List.of(), List.of(), List.of());
    }
  }

  /**
   * Decides a request.
   *
   * @param request the request
   * @param state the request's state from an earlier dispatch, or null
   * @param target the bindings of the request's target (a servlet's annotations) for its method; asked only when the
   *     path is readable and not exempt
   * @param held the reservations the request holds, shared with every filter and aspect of the request; a permit
   *     taken here is added to it
   * @return the verdict
   */
  public Verdict decide(HttpRequestView request, @Nullable State state, Supplier<List<Binding>> target,
      Supplier<List<Reservation>> held) {
    Object prepared = claims(request, state, target);
    if (prepared instanceof Verdict early) {
      return early;
    }
    Claims claims = (Claims) prepared;
    List<Reservation> decided = claims.claimed == 0 ? List.of() : Claim.reserveAll(toDecide(claims));
    Verdict verdict = verdict(request, claims, decided, held);
    if (verdict.kind() == Kind.REJECTED || verdict.kind() == Kind.MISSING_KEY) {
      refundAll(held.get()); // before the response: a rejected request costs nothing under any policy
    }
    return verdict;
  }

  /**
   * Decides a request without blocking: {@link #decide} with the claims reserved by {@link Claim#reserveAllAsync}
   * and the held reservations of a rejected request refunded by {@link #refundAllAsync} before the stage completes.
   * The same verdict as {@link #decide} for the same history; the stage completes on the thread that completes the
   * store's last call (the caller's on local stores, whose stages are complete before this returns).
   *
   * @param request the request
   * @param state the request's state from an earlier dispatch, or null
   * @param target the bindings of the request's target for its method; asked only when the path is readable and not
   *     exempt
   * @param held the reservations the request holds (see {@link #decide}); touched by the thread completing the stage
   * @return the verdict, when decided; exceptionally with what {@link #decide} would throw
   */
  public CompletionStage<Verdict> decideAsync(HttpRequestView request, @Nullable State state,
      Supplier<List<Binding>> target, Supplier<List<Reservation>> held) {
    Object prepared;
    try {
      prepared = claims(request, state, target);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (prepared instanceof Verdict early) {
      return CompletableFuture.completedFuture(early);
    }
    Claims claims = (Claims) prepared;
    CompletionStage<List<Reservation>> decided = claims.claimed == 0
        ? CompletableFuture.completedFuture(List.of()) : Claim.reserveAllAsync(toDecide(claims));
    if (decided instanceof CompletableFuture<List<Reservation>> now && now.isDone()
        && !now.isCompletedExceptionally()) {
      // a local store decided before reserveAllAsync returned: the verdict read in place, on this thread, as
      // thenCompose would run it here; what it throws fails the stage as thenCompose fails it (wrapped)
      try {
        return then(request, claims, now.join(), held);
      } catch (Throwable e) {
        return CompletableFuture.failedFuture(e instanceof CompletionException ? e : new CompletionException(e));
      }
    }
    return decided.thenCompose(reservations -> then(request, claims, reservations, held));
  }

  /** The verdict of decided claims; a rejection's held reservations are refunded before the stage completes. */
  private CompletionStage<Verdict> then(HttpRequestView request, Claims claims, List<Reservation> reservations,
      Supplier<List<Reservation>> held) {
    Verdict verdict = verdict(request, claims, reservations, held);
    if (verdict.kind() == Kind.REJECTED || verdict.kind() == Kind.MISSING_KEY) {
      return refundAllAsync(held.get()).thenApply(refunded -> verdict);
    }
    return CompletableFuture.completedFuture(verdict);
  }

  /** A request's claims, before they are decided: what {@link #verdict} needs to read their reservations. */
  private static final class Claims {
    final State state;
    final List<Binding> applicable;
    /**
     * Per binding before {@link #missingAt}: the client key it is charged under ({@code ""} for the shared bucket of
     * requests without a key), or null if it was skipped (no key, and its strategy skips).
     */
    final @Nullable String[] charged;
    /** The index of the binding whose key is missing (and rejects), or the number of bindings. */
    int missingAt;
    /** The claims to decide, in order: the first {@link #claimed} of them. */
    final Claim[] claims;
    int claimed;

    Claims(State state, List<Binding> applicable) {
      int n = applicable.size();
      this.state = state;
      this.applicable = applicable;
      this.charged = new String[n];
      this.missingAt = n;
      this.claims = new Claim[n];
    }
  }

  /** @return the claims to decide, as an immutable list (which the reservation of all of them keeps as it is) */
  private static List<Claim> toDecide(Claims c) {
    return c.claimed == c.claims.length ? List.of(c.claims) : List.of(Arrays.copyOf(c.claims, c.claimed));
  }

  /**
   * The first part of deciding: path checks, the applicable bindings, their keys (missing keys per their strategy)
   * and claims. Returns the verdict when the request is decided without a claim, else the {@link Claims}.
   */
  private Object claims(HttpRequestView request, @Nullable State state, Supplier<List<Binding>> target) {
    PathSpellings path = request.pathSpellings();
    String refusal = path.refusal();
    if (refusal != null) {
      return new Verdict(Kind.REFUSED, state, Rejection.ambiguousPath(refusal), null, List.of(), List.of(),
          List.of());
    }
    // exempt only if every spelling is: one the server may route elsewhere must not carry an exemption there
    if (PathPattern.allMatch(path, excludes)) {
      return Verdict.pass(state);
    }
    String method = request.method();
    List<Binding> applicable = null;
    // while every rule so far applies, the applicable bindings are a prefix of the rules: counted, not copied
    int prefix = 0;
    // the spellings as forMatching(lowerCase) gives them, without its copy where the fold changes nothing (a
    // lower-case path, the usual case): read in place then
    String[] folded = lowerCase && !rules.isEmpty() ? folded(path) : null;
    for (int r = 0; r < rules.size(); r++) {
      Binding rule = rules.get(r);
      if ((state == null || !state.charged.contains(rule)) && appliesToAny(rule, method, path, folded)) {
        if (applicable == null && prefix == r) {
          prefix++;
        } else {
          applicable = applicable == null ? prefixCopy(prefix) : applicable;
          applicable.add(rule);
        }
      }
    }
    List<Binding> own = target.get();
    for (int t = 0; t < own.size(); t++) {
      Binding b = own.get(t);
      if (state == null || !state.charged.contains(b)) {
        applicable = applicable == null ? prefixCopy(prefix) : applicable;
        applicable.add(b);
      }
    }
    if (applicable == null) {
      if (prefix == 0) {
        return Verdict.pass(state);
      }
      applicable = prefix == rules.size() ? rules : rules.subList(0, prefix); // immutable: shared as they are
    }
    Claims c = new Claims(state != null ? state : new State(), applicable);
    // the request's claims first (keys resolved, missing keys handled), then decided together: all or nothing, in
    // one store call where the store can (Redis), else reserved in order with the taken permits refunded on a reject
    for (int i = 0; i < applicable.size(); i++) {
      Binding binding = applicable.get(i);
      String key = binding.key().resolve(request);
      MissingKeyStrategy.SharedBucket bucket = null;
      if (KeyResolver.isMissing(key)) {
        MissingKeyStrategy strategy = binding.missingKey();
        if (strategy instanceof MissingKeyStrategy.Skip) {
          continue;
        }
        if (!(strategy instanceof MissingKeyStrategy.SharedBucket)) {
          c.missingAt = i;
          break;
        }
        bucket = (MissingKeyStrategy.SharedBucket) strategy;
      }
      c.charged[i] = bucket != null ? "" : key; // a key a binding is charged under is never null
      c.claims[c.claimed++] = claim(binding, key, binding.sharedKey(), bucket, request);
    }
    return c;
  }

  /**
   * The last part of deciding: reads the reservations of the claims into the request's state and the verdict. The
   * caller refunds the held reservations of a {@link Kind#REJECTED} or {@link Kind#MISSING_KEY} verdict.
   */
  private Verdict verdict(HttpRequestView request, Claims c, List<Reservation> decided,
      Supplier<List<Reservation>> held) {
    State s = c.state;
    List<Binding> applicable = c.applicable;
    Decision rejecting = null;
    List<StepController> admitted = null;
    List<Reservation> onOutcome = null;
    List<Binding> outcomeRules = null;
    int next = 0;
    for (int i = 0; i < c.missingAt && rejecting == null; i++) {
      Binding binding = applicable.get(i);
      boolean skipped = c.charged[i] == null;
      if (!skipped && next >= decided.size()) {
        break; // not decided: a claim before it rejected the request
      }
      s.charged.add(binding);
      if (skipped) {
        continue;
      }
      Reservation reservation = decided.get(next++);
      Decision decision = reservation.decision();
      if (reservation.taken() && !reservation.settled()) {
        held.get().add(reservation);
        if (reservation.policy().algorithm() == Algorithm.CONCURRENCY || !binding.chargeOn().isAlways()
            || binding.actualCost() != null) {
          onOutcome = onOutcome == null ? new ArrayList<>(1) : onOutcome;
          outcomeRules = outcomeRules == null ? new ArrayList<>(1) : outcomeRules;
          onOutcome.add(reservation);
          outcomeRules.add(binding);
        }
      }
      s.keys.add(Map.entry(binding.limiter().policy().name(), Objects.requireNonNull(c.charged[i], "key")));
      if (decision.outcome() == Decision.Outcome.SHADOW_REJECTED) {
        s.addShadow(decision);
      } else if (!binding.limiter().policy().shadow()) {
        s.visible.add(decision);
      }
      if (decision.rejected()) {
        rejecting = decision;
        break;
      }
      StepBinder.Stepped stepped = binding.stepped();
      if (stepped != null && stepped.controller() != null
          && (admitted == null || !admitted.contains(stepped.controller()))) {
        admitted = admitted == null ? new ArrayList<>(1) : admitted;
        admitted.add(stepped.controller());
      }
    }
    if (rejecting == null && c.missingAt < applicable.size()) {
      Binding binding = applicable.get(c.missingAt);
      s.charged.add(binding);
      return new Verdict(Kind.MISSING_KEY, s, Rejection.missingKey(missingKeyStatus,
          binding.missingKeyDescription(request), binding.limiter().name()), binding, List.of(), List.of(), List.of());
    }
    if (rejecting != null) {
      return new Verdict(Kind.REJECTED, s, Rejection.of(s.visible, status), null, List.of(), List.of(), List.of());
    }
    return new Verdict(Kind.ADMITTED, s, null, null, admitted == null ? List.of() : admitted,
        onOutcome == null ? List.of() : onOutcome, outcomeRules == null ? List.of() : outcomeRules);
  }

  /**
   * Refunds and removes every reservation of the list without blocking ({@link Reservation#refundAllAsync}); the
   * stage completes when every refund is done. A refund that fails is logged; it never fails the stage.
   *
   * @param reservations the reservations; emptied before this returns
   * @return completes when the refunds are done
   */
  public static CompletionStage<Void> refundAllAsync(List<Reservation> reservations) {
    List<Reservation> refunding = List.copyOf(reservations);
    reservations.clear();
    return Reservation.refundAllAsync(refunding);
  }

  /**
   * Refunds and removes every reservation of the list. A refund that fails is logged; it never fails the response.
   *
   * @param reservations the reservations; emptied
   */
  public static void refundAll(List<Reservation> reservations) {
    for (Reservation r : reservations) {
      try {
        r.refund();
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "refunding a reservation of policy " + r.policy().name() + " failed", e);
      }
    }
    reservations.clear();
  }

  /** @return a list of the first {@code n} rules, to add to */
  private List<Binding> prefixCopy(int n) {
    List<Binding> out = new ArrayList<>(Math.max(2, n + 1));
    out.addAll(rules.subList(0, n));
    return out;
  }

  /** @return the fold of each spelling, or null if the fold of every spelling is the spelling itself */
  private static String @Nullable [] folded(PathSpellings path) {
    String[] out = null;
    for (int i = 0; i < path.size(); i++) {
      String spelling = path.get(i);
      String fold = PathPattern.fold(spelling);
      if (out == null && fold != spelling) {
        out = new String[path.size()];
        for (int j = 0; j < i; j++) {
          out[j] = path.get(j);
        }
      }
      if (out != null) {
        out[i] = fold;
      }
    }
    return out;
  }

  /**
   * A rule applies when it matches any spelling of the path (or, {@code folded} non-null, any fold of one): the
   * server may have routed by any of them.
   */
  private static boolean appliesToAny(Binding rule, String method, PathSpellings path, String @Nullable [] folded) {
    int n = folded != null ? folded.length : path.size();
    for (int i = 0; i < n; i++) {
      if (rule.appliesTo(method, folded != null ? folded[i] : path.get(i))) {
        return true;
      }
    }
    return false;
  }

  /**
   * What a binding reserves for a client key, or (bucket non-null) in the binding's shared bucket for requests
   * without one, as a claim decided with the request's other claims. A key many clients share (the missing-key
   * bucket, a global key) is never put in the penalty box. A store that fails decides by the failure handler.
   */
  private Claim claim(Binding binding, @Nullable String key, boolean sharedKey,
      MissingKeyStrategy.@Nullable SharedBucket bucket, HttpRequestView request) {
    Claim claim;
    String client = bucket != null ? "" : Objects.requireNonNull(key, "key"); // a missing key has a bucket
    try {
      StepBinder.Stepped stepped = binding.stepped();
      if (stepped != null) {
        if (bucket != null) {
          claim = stepped.limiter().claimShared(bucket, stepped.tierOf(request), binding.permits());
        } else {
          claim = sharedKey ? stepped.limiter().claimShared(client, stepped.tierOf(request), binding.permits())
              : stepped.limiter().claim(client, stepped.tierOf(request), binding.permits());
        }
      } else {
        claim = bucket != null ? binding.limiter().claimShared(bucket, binding.permits())
            : binding.limiter().claim(client, binding.permits());
      }
    } catch (RuntimeException e) {
      Reservation failed = failed(binding, key, bucket, e);
      return Claim.deferred(() -> failed);
    }
    return claim.onFailure(e -> failed(binding, key, bucket, e));
  }

  private Reservation failed(Binding binding, @Nullable String key, MissingKeyStrategy.@Nullable SharedBucket bucket,
      RuntimeException e) {
    LimitPolicy policy = binding.limiter().policy();
    // the handler (and a local fallback store) takes the stored key, as a store would have
    String stored = bucket != null ? bucket.key() : binding.limiter().forKey(Objects.requireNonNull(key, "key")).key();
    Decision d = failureHandler.onFailure(policy, stored, binding.permits(), e);
    return Reservation.none(policy.shadow() ? d.asShadow() : d, stored);
  }
}
