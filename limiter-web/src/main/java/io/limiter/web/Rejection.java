package io.limiter.web;

import io.limiter.core.Decision;
import io.limiter.core.http.RateLimitProblem;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Why a rate limit filter refuses a request, handed to its rejection handler (the servlet filter's
 * {@code RejectionHandler}): the reason, the HTTP status the filter
 * chose, and the decisions made for the request so far (the last one is the rejecting one). Immutable and
 * thread-safe.
 */
public final class Rejection {

  /** Why a request is refused. */
  public enum Reason {
    /** A policy's limit is exhausted (status 429 unless configured otherwise). */
    RATE_LIMITED,
    /** The store failed and the policy fails closed (status 503). */
    STORE_UNAVAILABLE,
    /** The request carries no key for a rule whose missing-key strategy is reject (status 401 by default). */
    MISSING_KEY,
    /**
     * The request's path cannot be read with confidence (an invalid or {@code %u} escape, invalid or overlong UTF-8, a
     * control character), so which limits apply is unknowable (status 400).
     */
    AMBIGUOUS_PATH
  }

  private final Reason reason;
  private final int status;
  private final List<Decision> decisions;
  private final @Nullable Decision decision;
  private final @Nullable String detail;

  private Rejection(Reason reason, int status, List<Decision> decisions, @Nullable Decision decision,
      @Nullable String detail) {
    this.reason = reason;
    this.status = status;
    this.decisions = List.copyOf(decisions);
    this.decision = decision;
    this.detail = detail;
  }

  /**
   * @param decisions the visible decisions of the request, ending with the rejecting one
   * @param status the status for a rate-limited request; a degraded (store failure) rejection always gets 503
   * @return a rejection by the last decision
   */
  public static Rejection of(List<Decision> decisions, int status) {
    if (decisions.isEmpty() || !decisions.get(decisions.size() - 1).rejected()) {
      throw new IllegalArgumentException("the last decision must be a rejection but was " + decisions);
    }
    Decision last = decisions.get(decisions.size() - 1);
    return last.degraded() ? new Rejection(Reason.STORE_UNAVAILABLE, 503, decisions, last, null)
        : new Rejection(Reason.RATE_LIMITED, status, decisions, last, null);
  }

  /**
   * @param status the status, e.g. 401
   * @param missingKey what the request lacks, e.g. {@code the header X-API-Key}
   * @param policyName the policy that needs the key
   * @return a rejection for a missing key
   */
  public static Rejection missingKey(int status, String missingKey, String policyName) {
    Objects.requireNonNull(missingKey, "missingKey");
    return new Rejection(Reason.MISSING_KEY, status, List.of(), null,
        "This resource is rate limited per client (policy " + policyName + ") and the request has no "
            + missingKey.replaceFirst("^(the|an|a) ", "") + " to identify the client; send " + missingKey + ".");
  }

  /**
   * @param why what makes the path unreadable, e.g. {@code it contains invalid or overlong UTF-8}
   * @return a rejection with status 400 for a path that cannot be read with confidence
   */
  public static Rejection ambiguousPath(String why) {
    Objects.requireNonNull(why, "why");
    return new Rejection(Reason.AMBIGUOUS_PATH, 400, List.of(), null, "The request path cannot be read with "
        + "confidence (" + why + "), so the rate limits that apply to it are unknown.");
  }

  /** @return why the request is refused */
  public Reason reason() {
    return reason;
  }

  /** @return the HTTP status the filter chose */
  public int status() {
    return status;
  }

  /** @return the visible decisions of the request, ending with the rejecting one; empty for a missing key or path */
  public List<Decision> decisions() {
    return decisions;
  }

  /** @return the rejecting decision; null for {@link Reason#MISSING_KEY} and {@link Reason#AMBIGUOUS_PATH} */
  public @Nullable Decision decision() {
    return decision;
  }

  /** @return the standard RFC 9457 problem body for this rejection ({@link RateLimitProblem}) */
  public String problemJson() {
    return detail != null ? RateLimitProblem.json(status, detail) : RateLimitProblem.json(decisions, status);
  }

  @Override
  public String toString() {
    return "Rejection{" + reason + ", " + status + (decision != null ? ", " + decision : ", " + detail) + "}";
  }
}
