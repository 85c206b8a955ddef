package io.limiter.core.internal;

import java.security.SecureRandom;

/**
 * A keyed 128-bit hash of a stored key (SipHash-1-3 with 128-bit output, over the key's UTF-16 code units, four to a
 * word, with the length in the last word): what the compact in-memory store keeps instead of the key string.
 *
 * <p>Why keyed and 128 bits: two keys with the same hash share one bucket, so a client who could compute collisions
 * could drain another client's bucket. The secret key is drawn per store from {@link SecureRandom}, so collisions
 * cannot be precomputed, and a chance collision among n keys has probability about {@code n²/2^129} (10^-24 at
 * 10^7 keys). The hash is computed on the request thread for every decision, so it is the short-input SipHash
 * variant (one compression and three finalization rounds), not a full cryptographic digest.
 *
 * <p>Immutable and thread-safe.
 */
final class KeyHash {

  private final long k0;
  private final long k1;

  KeyHash() {
    SecureRandom random = new SecureRandom();
    this.k0 = random.nextLong();
    this.k1 = random.nextLong();
  }

  KeyHash(long k0, long k1) {
    this.k0 = k0;
    this.k1 = k1;
  }

  /**
   * Hashes a key into two words: the result holds the high word, and {@code out[0]} receives the low word.
   * Neither word pair is ever {@code (0, 0)}, which the compact table uses to mark an empty slot: the high word is
   * never 0.
   *
   * @param key the stored key
   * @param out receives the low word in {@code out[0]}
   * @return the high word, never 0
   */
  long hash(String key, long[] out) {
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL ^ 0xeeL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    int blocks = key.length() / 4 + 1; // the last one holds up to three code units and the length (mod 2^16) in its top bits
    long high = 0;
    long m = 0;
    // One loop, one SipRound in the bytecode: the compression rounds, then three finalization rounds per output word.
    // Written once, the method is small enough for the JIT to inline into a decision, so that {@code out} (the caller's
    // one-element array) is scalar-replaced and a decision allocates nothing.
    for (int r = 0, rounds = blocks + 6; r < rounds; r++) {
      if (r < blocks) {
        m = r < blocks - 1 ? word(key, r * 4) : last(key, r * 4);
        v3 ^= m;
      } else if (r == blocks) {
        v2 ^= 0xeeL;
      } else if (r == blocks + 3) {
        high = v0 ^ v1 ^ v2 ^ v3;
        v1 ^= 0xddL;
      }
      v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32); // one SipRound
      v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
      v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
      v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
      if (r < blocks) {
        v0 ^= m;
      }
    }
    out[0] = v0 ^ v1 ^ v2 ^ v3;
    return high == 0 ? 1 : high;
  }

  /** Four code units from {@code i} as one word. */
  private static long word(String key, int i) {
    return key.charAt(i) | (long) key.charAt(i + 1) << 16 | (long) key.charAt(i + 2) << 32
        | (long) key.charAt(i + 3) << 48;
  }

  /** The code units from {@code i} to the end (at most three) and the key's length in the top 16 bits. */
  private static long last(String key, int i) {
    int n = key.length();
    long m = (long) (n & 0xFFFF) << 48;
    for (int shift = 0; i < n; i++, shift += 16) {
      m |= (long) key.charAt(i) << shift;
    }
    return m;
  }
}
