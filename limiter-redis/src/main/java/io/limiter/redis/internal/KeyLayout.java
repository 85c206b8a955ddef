package io.limiter.redis.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Objects;

/**
 * Names the Redis key that holds one client's state under one policy: {@code <prefix>{<policy>:<key>}}. Everything
 * between the braces is the Redis Cluster hash tag, so a client's state lives in one slot whatever the prefix, and
 * different clients spread over the cluster.
 *
 * <p>The names are unambiguous: {@code %}, <code>{</code> and <code>}</code> are percent-encoded in both parts and
 * {@code :} in the policy name, so no policy/key pair can produce another's key and no part can end the hash tag
 * early. Keys longer than 256 UTF-8 bytes (only possible when a caller bypasses {@code RateLimiter}, which already
 * canonicalizes them) are replaced by {@code sha256:} and the Base64url of their SHA-256, as in the core.
 */
public final class KeyLayout {

  private static final int MAX_KEY_BYTES = 256;

  private final String prefix;

  /**
   * @param prefix put before every key; must not contain braces, which would make it the hash tag of every key
   */
  public KeyLayout(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    String problem = problem(prefix);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    this.prefix = prefix;
  }

  /**
   * Returns why {@code prefix} is not a valid key prefix, or null.
   *
   * @param prefix the prefix
   * @return the problem, or null
   */
  public static String problem(String prefix) {
    if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
      return "key prefix must not contain '{' or '}' (it would become the Redis Cluster hash tag of every key) but "
          + "was \"" + prefix + "\"";
    }
    if (prefix.length() > 128) {
      return "key prefix must be at most 128 characters but was " + prefix.length();
    }
    return null;
  }

  String prefix() {
    return prefix;
  }

  /** The part shared by every key of a policy: {@code <prefix>{<policy>:}. */
  String policyPart(String policyName) {
    return prefix + "{" + escape(policyName, true) + ":";
  }

  /** The full key, from {@link #policyPart}. */
  String key(String policyPart, String key) {
    return policyPart + escape(canonical(key), false) + "}";
  }

  private static String escape(String s, boolean colon) {
    int i = 0;
    while (i < s.length() && !special(s.charAt(i), colon)) {
      i++;
    }
    if (i == s.length()) {
      return s;
    }
    StringBuilder sb = new StringBuilder(s.length() + 8).append(s, 0, i);
    for (; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '%':
          sb.append("%25");
          break;
        case '{':
          sb.append("%7B");
          break;
        case '}':
          sb.append("%7D");
          break;
        case ':':
          sb.append(colon ? "%3A" : ":");
          break;
        default:
          sb.append(c);
      }
    }
    return sb.toString();
  }

  private static boolean special(char c, boolean colon) {
    return c == '%' || c == '{' || c == '}' || (colon && c == ':');
  }

  private static String canonical(String key) {
    // a char is at most 3 UTF-8 bytes, so short keys need no counting
    if (key.length() <= MAX_KEY_BYTES / 3) {
      return key;
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
}
