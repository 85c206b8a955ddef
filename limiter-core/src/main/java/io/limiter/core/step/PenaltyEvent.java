package io.limiter.core.step;

import java.util.Objects;

/**
 * An event of a {@link PenaltyBox}: a client went in or came out.
 *
 * @param policy the name of the policy whose box it is
 * @param key the client's canonical key
 * @param type what happened
 * @param atNanos when, on the box's ticker: the rejection that boxed the client, or the exact end of the penalty
 *     (for {@link Type#EXITED} this is the scheduled end even when the exit is noticed later), or the release
 * @param untilNanos when the penalty ends (ended), on the box's ticker
 * @param rejections the rejections counted when the client was boxed ({@code rule.rejections() + 1})
 */
public record PenaltyEvent(String policy, String key, Type type, long atNanos, long untilNanos, long rejections) {

  /** What happened. */
  public enum Type {
    /** The client was rejected once too often and is boxed until {@code untilNanos}. */
    ENTERED,
    /** The penalty ran out at {@code atNanos} ({@code == untilNanos}). */
    EXITED,
    /** An operator let the client out early, at {@code atNanos}. */
    RELEASED
  }

  public PenaltyEvent {
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(type, "type");
  }
}
