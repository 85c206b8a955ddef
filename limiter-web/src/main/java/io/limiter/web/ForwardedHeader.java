package io.limiter.web;

import java.util.Locale;
import java.util.Objects;

/**
 * The header from which the client IP resolver (limiter-servlet's {@code ClientIpResolver}) reads the chain of forwarding hops, when the peer is a trusted proxy.
 * Configure the one your proxies append to: a proxy that only appends {@code X-Forwarded-For} passes a client's own
 * {@code Forwarded} header through unchanged, so reading the other header would trust the client.
 */
public enum ForwardedHeader {
  /** {@code X-Forwarded-For: client, proxy1, proxy2}. The default. */
  X_FORWARDED_FOR("X-Forwarded-For"),
  /** RFC 7239 {@code Forwarded: for=client;proto=https, for="[2001:db8::1]:4711"}. */
  FORWARDED("Forwarded");

  private final String headerName;

  ForwardedHeader(String headerName) {
    this.headerName = headerName;
  }

  /** @return the HTTP header name */
  public String headerName() {
    return headerName;
  }

  /**
   * Parses {@code x-forwarded-for} or {@code forwarded}, ignoring case.
   *
   * @param value the text of an init-param or property
   * @return the header
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static ForwardedHeader parse(String value) {
    Objects.requireNonNull(value, "value");
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (v.equals("x-forwarded-for")) {
      return X_FORWARDED_FOR;
    }
    if (v.equals("forwarded")) {
      return FORWARDED;
    }
    throw new IllegalArgumentException("forwarded header must be x-forwarded-for or forwarded but was \"" + value
        + "\"");
  }
}
