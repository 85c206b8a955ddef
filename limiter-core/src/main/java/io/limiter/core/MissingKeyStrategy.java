package io.limiter.core;

import io.limiter.core.internal.KeyNormalizer;
import java.util.Objects;

/**
 * What an integration does with a request whose {@link KeyResolver} finds no key. There is deliberately no default
 * that puts such requests into an unnamed shared bucket: one of these must be chosen (integrations document theirs).
 *
 * <ul>
 *   <li>{@link #reject()}: refuse the request (the servlet filter answers 401 with a problem body; the aspect
 *       throws). Right for API keys.
 *   <li>{@link #skip()}: do not limit the request at all.
 *   <li>{@link #sharedBucket(String)}: count all such requests in one named bucket, so anonymous traffic shares one
 *       limit that cannot collide with a real key.
 * </ul>
 * Immutable and thread-safe.
 */
public sealed interface MissingKeyStrategy
    permits MissingKeyStrategy.Reject, MissingKeyStrategy.Skip, MissingKeyStrategy.SharedBucket {

  /** @return the strategy that refuses requests without a key */
  static MissingKeyStrategy reject() {
    return Reject.INSTANCE;
  }

  /** @return the strategy that lets requests without a key through unlimited */
  static MissingKeyStrategy skip() {
    return Skip.INSTANCE;
  }

  /**
   * @param bucket the bucket's name; its stored key is {@code "!missing:" + bucket}, which no key passed to a
   *     {@link RateLimiter} can become (see {@link RateLimiter#acquireShared})
   * @return the strategy that counts requests without a key in one shared bucket
   * @throws IllegalArgumentException if the name is blank or longer than a stored key allows
   */
  static MissingKeyStrategy sharedBucket(String bucket) {
    return new SharedBucket(bucket);
  }

  /**
   * Parses {@code reject}, {@code skip} or {@code shared:<name>} (case-insensitive), the notation of init-params
   * and properties.
   *
   * @param value the text
   * @return the strategy
   * @throws IllegalArgumentException naming the value and the accepted forms
   */
  static MissingKeyStrategy parse(String value) {
    Objects.requireNonNull(value, "value");
    String v = value.trim();
    if (v.equalsIgnoreCase("reject")) {
      return reject();
    }
    if (v.equalsIgnoreCase("skip")) {
      return skip();
    }
    if (v.regionMatches(true, 0, "shared:", 0, 7) && !v.substring(7).isBlank()) {
      return sharedBucket(v.substring(7).trim());
    }
    throw new IllegalArgumentException("missing-key strategy must be reject, skip or shared:<name> but was \""
        + value + "\"");
  }

  /** Refuse the request. */
  final class Reject implements MissingKeyStrategy {
    static final Reject INSTANCE = new Reject();

    private Reject() {
    }

    @Override
    public String toString() {
      return "reject";
    }
  }

  /** Let the request through without limiting it. */
  final class Skip implements MissingKeyStrategy {
    static final Skip INSTANCE = new Skip();

    private Skip() {
    }

    @Override
    public String toString() {
      return "skip";
    }
  }

  /**
   * Count the request in one shared bucket.
   *
   * @param bucket the bucket's name
   */
  record SharedBucket(String bucket) implements MissingKeyStrategy {
    /** @throws IllegalArgumentException if the name is blank or longer than a stored key allows */
    public SharedBucket {
      KeyNormalizer.sharedBucket(bucket);
    }

    /**
     * Returns the stored key all requests without a key share: {@code !missing:<bucket>}. It is reserved: passing
     * it to {@link RateLimiter#acquire(String, long)} reaches another key; use
     * {@link RateLimiter#acquireShared(SharedBucket, long)}.
     *
     * @return the stored key
     */
    public String key() {
      return KeyNormalizer.sharedBucket(bucket);
    }

    @Override
    public String toString() {
      return "shared:" + bucket;
    }
  }
}
