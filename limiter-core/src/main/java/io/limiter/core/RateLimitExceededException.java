package io.limiter.core;

import java.util.Objects;

/**
 * Thrown when a request is over its limit and the caller asked for an exception instead of a {@link Decision}, as the
 * {@code @RateLimit} aspect does. It carries the rejecting decision, from which web layers render 429 (or 503 when
 * {@link Decision#degraded() degraded}) with {@code Retry-After} and {@code RateLimit} fields.
 *
 * <p>The stack trace is not filled in: a rejection is an expected outcome, often at high rates.
 */
public class RateLimitExceededException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final transient Decision decision;

  /**
   * @param decision the rejecting decision
   */
  public RateLimitExceededException(Decision decision) {
    super(message(decision), null, false, false);
    this.decision = decision;
  }

  private static String message(Decision decision) {
    Objects.requireNonNull(decision, "decision");
    return "rate limit exceeded: policy " + decision.policy().name() + ", limit " + decision.limit()
        + (decision.retryAfterNanos() == Decision.NEVER ? ", the request can never succeed (cost above capacity)"
            : ", retry after " + decision.retryAfter());
  }

  /** @return the rejecting decision */
  public Decision decision() {
    return decision;
  }
}
