package io.limiter.redis.internal;

import io.limiter.core.KeySpace;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Names the Redis key that holds one client's state under one policy: {@code <prefix>{<policy>:<key>}}. Everything
 * between the braces is the Redis Cluster hash tag, so a client's state lives in one slot whatever the prefix, and
 * different clients spread over the cluster.
 *
 * <p>The names are unambiguous: {@code %}, <code>{</code> and <code>}</code> are percent-encoded in both parts and
 * {@code :} in the policy name, so no policy/key pair can produce another's key and no part can end the hash tag
 * early. Client keys arrive canonical, at most 256 UTF-8 bytes ({@code RateLimiter} replaces longer ones by their
 * SHA-256, see {@link io.limiter.core.RateLimiter}; keys given to the store directly are checked by
 * {@link KeySpace#requireStoredKey}), so a Redis key stays below about 1.3 KB even fully escaped.
 * Immutable and thread-safe.
 */
public final class KeyLayout {

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
  public static @Nullable String problem(String prefix) {
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

  /** The full key, from {@link #policyPart}; refuses what is not a stored key, as every store does. */
  String key(String policyPart, String key) {
    return policyPart + escape(KeySpace.requireStoredKey(key), false) + "}";
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
}
