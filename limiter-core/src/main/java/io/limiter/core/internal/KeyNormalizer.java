package io.limiter.core.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * Makes client keys canonical before they reach a store: non-blank, at most 256 UTF-8 bytes. Longer keys (a huge
 * header value, say) become {@code sha256:} plus the URL-safe Base64 of their SHA-256, so an attacker cannot make a
 * store hold arbitrarily large keys, and distinct long keys stay distinct.
 */
public final class KeyNormalizer {

  public static final int MAX_KEY_BYTES = 256;

  private KeyNormalizer() {
  }

  public static String canonical(String key) {
    Objects.requireNonNull(key, "key");
    // A char is at most 3 UTF-8 bytes (a surrogate pair is 4 bytes for 2 chars), so short keys need no counting.
    if (key.length() <= MAX_KEY_BYTES / 3) {
      if (key.isBlank()) {
        throw blank(key);
      }
      return key;
    }
    if (key.isBlank()) {
      throw blank(key);
    }
    byte[] utf8 = key.getBytes(StandardCharsets.UTF_8);
    if (utf8.length <= MAX_KEY_BYTES) {
      return key;
    }
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(utf8);
      return "sha256:" + Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private static IllegalArgumentException blank(String key) {
    return new IllegalArgumentException("rate limit key must not be blank but was \"" + key
        + "\"; resolve missing keys with a MissingKeyStrategy");
  }
}
