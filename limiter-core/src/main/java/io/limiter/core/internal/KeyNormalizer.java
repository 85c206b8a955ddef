package io.limiter.core.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * The one place where keys become stored keys, and where stores check what they are given.
 *
 * <p>{@link #canonical} turns a key passed to a limiter into the key a store holds. The store's key space is split
 * in two so that nothing a caller passes can reach a key the library reserves:
 * <ul>
 *   <li>Keys starting with {@code !} are the library's: {@code !missing:<bucket>} (the bucket that requests without
 *       a key share) and {@code !sha256:<hash>} (a key too long to store). Only {@link #sharedBucket} and the hashing
 *       here produce them.
 *   <li>Every other stored key is a caller's key: unchanged, unless it starts with {@code !} or {@code \}, which get
 *       a {@code \} in front. That map is injective and never yields a leading {@code !}, so {@code "!missing:anon"}
 *       or {@code "!sha256:..."} passed as a key is stored as {@code "\!missing:anon"}, not as the reserved key.
 * </ul>
 * A key whose stored form would exceed {@value #MAX_KEY_BYTES} UTF-8 bytes, or that is not well-formed UTF-16 (an
 * unpaired surrogate would turn into {@code ?} in UTF-8 and collide with another key in Redis), is stored as
 * {@code !sha256:} plus the URL-safe Base64 of the SHA-256 of its UTF-16 code units, so memory per key is bounded and
 * distinct keys stay distinct. Blank keys are refused: a missing key is a {@code MissingKeyStrategy}'s business.
 *
 * <p>{@link #requireStored} is what stores check on their direct APIs: a stored key is non-blank, well-formed and at
 * most {@value #MAX_KEY_BYTES} UTF-8 bytes. Stores never canonicalise themselves, since {@link #canonical} is not
 * idempotent (it cannot be, being injective and not the identity).
 */
public final class KeyNormalizer {

  public static final int MAX_KEY_BYTES = 256;

  /** The first character of every key the library reserves. */
  public static final char RESERVED = '!';
  private static final char ESCAPE = '\\';
  private static final String MISSING = "!missing:";
  private static final String HASHED = "!sha256:";
  /** Keys of at most this many chars without surrogates need no byte count: 3 bytes a char, plus an escape, fit. */
  private static final int SHORT = (MAX_KEY_BYTES - 1) / 3;

  private KeyNormalizer() {
  }

  /**
   * @param key a key passed to a limiter
   * @return the key a store holds for it
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if the key is blank
   */
  public static String canonical(String key) {
    requireNotBlank(key);
    char first = key.charAt(0);
    boolean escape = first == RESERVED || first == ESCAPE;
    if (key.length() <= SHORT && !hasSurrogate(key)) {
      return escape ? ESCAPE + key : key; // at most 3 UTF-8 bytes a char: fits with the escape, no need to count
    }
    long bytes = utf8Length(key);
    if (bytes < 0 || bytes + (escape ? 1 : 0) > MAX_KEY_BYTES) {
      return hash(key);
    }
    return escape ? ESCAPE + key : key;
  }

  /**
   * @param bucket the name of a shared bucket, not blank
   * @return its stored key, {@code !missing:<bucket>}
   * @throws IllegalArgumentException if the name is blank or the key would be too long to store
   */
  public static String sharedBucket(String bucket) {
    Objects.requireNonNull(bucket, "bucket");
    if (bucket.isBlank()) {
      throw new IllegalArgumentException("shared bucket name must not be blank but was \"" + bucket + "\"");
    }
    String key = MISSING + bucket;
    long bytes = utf8Length(key);
    if (bytes < 0 || bytes > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("shared bucket name must be well-formed text of at most "
          + (MAX_KEY_BYTES - MISSING.length()) + " UTF-8 bytes but was \"" + abbreviate(bucket) + "\" ("
          + bucket.length() + " chars)");
    }
    return key;
  }

  /**
   * Checks a key given to a store directly.
   *
   * @param key a stored key, as {@link #canonical} or {@link #sharedBucket} make them
   * @return the key
   * @throws NullPointerException if the key is null
   * @throws IllegalArgumentException if it is blank, too long or not well-formed
   */
  public static String requireStored(String key) {
    requireNotBlank(key);
    long bytes = utf8Length(key);
    if (bytes < 0 || bytes > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("a store key must be well-formed text of at most " + MAX_KEY_BYTES
          + " UTF-8 bytes but was \"" + abbreviate(key) + "\" (" + key.length() + " chars"
          + (bytes < 0 ? ", with an unpaired surrogate" : "") + "); pass keys through a RateLimiter, which hashes "
          + "long keys");
    }
    return key;
  }

  /** Whether the text has any surrogate, paired or not (the per-request check of a short key: one test a char). */
  private static boolean hasSurrogate(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      if (Character.isSurrogate(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  /** UTF-8 length, stopping early past the maximum; -1 if the text has an unpaired surrogate. */
  private static long utf8Length(String s) {
    int n = s.length();
    long bytes = 0;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1))) {
          return -1;
        }
        i++;
        bytes += 4;
      } else if (Character.isLowSurrogate(c)) {
        return -1;
      } else {
        bytes += 3;
      }
      if (bytes > MAX_KEY_BYTES + 1) {
        return bytes; // too long for any use; the rest need not be scanned (a long key is hashed whatever it holds)
      }
    }
    return bytes;
  }

  private static String hash(String key) {
    ByteBuffer units = ByteBuffer.allocate(key.length() * 2);
    for (int i = 0; i < key.length(); i++) {
      units.putChar(key.charAt(i));
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(units.array());
      return HASHED + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static String abbreviate(String s) {
    return s.length() <= 40 ? s : s.substring(0, 40) + "...";
  }

  /** Blank keys fail: the check looks at the first character only, unless it is whitespace. */
  private static void requireNotBlank(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty() || (Character.isWhitespace(key.charAt(0)) && key.isBlank())) {
      throw blank(key);
    }
  }

  private static IllegalArgumentException blank(String key) {
    return new IllegalArgumentException("rate limit key must not be blank but was \"" + abbreviate(key)
        + "\"; resolve missing keys with a MissingKeyStrategy");
  }
}
