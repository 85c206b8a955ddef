package io.limiter.bench;

/**
 * Deterministic client keys for the many-key benchmarks and the memory probe: IPv4 address strings, the most common
 * rate-limit key.
 */
final class KeySet {

  private KeySet() {
  }

  /** @return {@code n} distinct addresses {@code 10.a.b.c}, each a separate {@link String} */
  static String[] ipv4(int n) {
    if (n < 1 || n > (1 << 24)) {
      throw new IllegalArgumentException("n must be in [1, 2^24] but was " + n);
    }
    String[] keys = new String[n];
    for (int i = 0; i < n; i++) {
      keys[i] = "10." + (i >>> 16 & 0xFF) + "." + (i >>> 8 & 0xFF) + "." + (i & 0xFF);
    }
    return keys;
  }
}
