package io.limiter.core.http;

import java.util.Locale;
import java.util.Objects;

/** Which rate limit header fields a response carries. */
public enum HeaderMode {
  /** IETF draft-ietf-httpapi-ratelimit-headers-10: {@code RateLimit-Policy} and {@code RateLimit}. The default. */
  IETF,
  /** The de-facto {@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}, {@code X-RateLimit-Reset}. */
  LEGACY,
  /** Both {@link #IETF} and {@link #LEGACY}, for clients in transition. */
  BOTH,
  /** No rate limit fields (429 responses still carry {@code Retry-After}). */
  NONE;

  /**
   * Parses {@code ietf}, {@code legacy}, {@code both} or {@code none}, ignoring case.
   *
   * @param value the text of an init-param or property
   * @return the mode
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static HeaderMode parse(String value) {
    Objects.requireNonNull(value, "value");
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("header mode must be one of ietf, legacy, both, none but was \"" + value
          + "\"", e);
    }
  }
}
