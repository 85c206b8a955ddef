package io.limiter.core;

import java.util.List;
import java.util.Objects;

/**
 * What a rate limit key identifies, and how a key of that kind is spelled in a store. Every key the library's
 * resolvers produce carries its kind as a prefix, so a client-controlled value can never spell a key of another
 * kind: an API key {@code 203.0.113.7} becomes {@code h:x-api-key:203.0.113.7}, which is not the IP key
 * {@code ip:203.0.113.7}.
 *
 * <table>
 *   <caption>Stored key layout</caption>
 *   <tr><th>kind</th><th>stored key</th></tr>
 *   <tr><td>{@link #IP}</td><td>{@code ip:<address>}</td></tr>
 *   <tr><td>{@link #HEADER}</td><td>{@code h:<name>:<value>} (integrations lower-case the name)</td></tr>
 *   <tr><td>{@link #PRINCIPAL}</td><td>{@code p:<name>}</td></tr>
 *   <tr><td>{@link #ATTRIBUTE}</td><td>{@code a:<name>:<value>}</td></tr>
 *   <tr><td>{@link #EXPRESSION}</td><td>{@code s:<value>} (the value of a SpEL key)</td></tr>
 *   <tr><td>{@link #RESOLVER}</td><td>{@code r:<name>:<value>} (a key resolver registered under a name)</td></tr>
 *   <tr><td>{@link #CUSTOM}</td><td>{@code x:<value>} (a resolver without a name, e.g. a filter rule's own)</td></tr>
 *   <tr><td>{@link #GLOBAL}</td><td>{@code global}</td></tr>
 *   <tr><td>{@link #COMPOSITE}</td><td>{@code c:<part>|<part>...}, each part a key of its own kind with {@code \}
 *       and {@code |} escaped by {@code \}</td></tr>
 * </table>
 * In a name, {@code %} and {@code :} are percent-encoded, so the name ends at the first {@code :} and the value (the
 * rest) needs no escaping. {@link RateLimiter} then reserves every key starting with {@code !} for the library
 * (shared buckets of requests without a key, {@code !missing:<bucket>}, and hashes of long keys,
 * {@code !sha256:<hash>}); see {@link RateLimiter} for how a key passed to it is stored.
 *
 * <p>Immutable and thread-safe.
 */
public enum KeyKind {
  /** The client IP address (or network). */
  IP("ip", false),
  /** A request header's value; the name is the header's. */
  HEADER("h", true),
  /** The authenticated principal's name. */
  PRINCIPAL("p", false),
  /** A request attribute's value; the name is the attribute's. */
  ATTRIBUTE("a", true),
  /** The value of a SpEL expression. */
  EXPRESSION("s", false),
  /** The answer of a key resolver registered under a name. */
  RESOLVER("r", true),
  /** The answer of an application's own key resolver without a name. */
  CUSTOM("x", false),
  /** One key for every request; it has no value. */
  GLOBAL("global", false),
  /** Several keys combined; built by {@link #composite(List)}. */
  COMPOSITE("c", false);

  private final String tag;
  private final boolean named;

  KeyKind(String tag, boolean named) {
    this.tag = tag;
    this.named = named;
  }

  /** @return the prefix of keys of this kind without its colon, e.g. {@code h}; {@code global} for {@link #GLOBAL} */
  public String tag() {
    return tag;
  }

  /** @return whether keys of this kind carry a name (a header's, an attribute's, a resolver's) */
  public boolean named() {
    return named;
  }

  /** @return the key of {@link #GLOBAL}: {@code global} */
  public static String global() {
    return GLOBAL.tag;
  }

  /**
   * Spells a key of an unnamed kind.
   *
   * @param value the client's value, e.g. an address; any text
   * @return {@code <tag>:<value>}
   * @throws IllegalStateException if this kind is named, {@link #GLOBAL} or {@link #COMPOSITE}
   */
  public String key(String value) {
    Objects.requireNonNull(value, "value");
    if (named || this == GLOBAL || this == COMPOSITE) {
      throw new IllegalStateException(this + " keys are not spelled from one value; use "
          + (named ? "key(name, value)" : this == GLOBAL ? "global()" : "composite(parts)"));
    }
    return tag + ':' + value;
  }

  /**
   * Spells a key of a named kind.
   *
   * @param name the header, attribute or resolver name, not empty
   * @param value the client's value; any text
   * @return {@code <tag>:<name, with % and : percent-encoded>:<value>}
   * @throws IllegalStateException if this kind carries no name
   */
  public String key(String name, String value) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (!named) {
      throw new IllegalStateException(this + " keys carry no name; use key(value)");
    }
    if (name.isEmpty()) {
      throw new IllegalArgumentException(this + " key needs a name but it was empty");
    }
    StringBuilder sb = new StringBuilder(tag.length() + name.length() + value.length() + 2).append(tag).append(':');
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '%') {
        sb.append("%25");
      } else if (c == ':') {
        sb.append("%3A");
      } else {
        sb.append(c);
      }
    }
    return sb.append(':').append(value).toString();
  }

  /**
   * Combines keys into one {@link #COMPOSITE} key. Distinct lists give distinct keys, and no composite equals a key
   * of another kind.
   *
   * @param parts the keys of the parts, at least one
   * @return {@code c:} and the parts joined by {@code |}, with {@code \} and {@code |} in each part escaped by
   *     {@code \}
   */
  public static String composite(List<String> parts) {
    if (parts.isEmpty()) {
      throw new IllegalArgumentException("a composite key needs at least one part");
    }
    StringBuilder key = new StringBuilder(COMPOSITE.tag).append(':');
    for (int i = 0; i < parts.size(); i++) {
      String part = Objects.requireNonNull(parts.get(i), "part");
      if (i > 0) {
        key.append('|');
      }
      for (int j = 0; j < part.length(); j++) {
        char c = part.charAt(j);
        if (c == '|' || c == '\\') {
          key.append('\\');
        }
        key.append(c);
      }
    }
    return key.toString();
  }

  /**
   * Returns a resolver that spells the answers of {@code values} as keys of this unnamed kind; a missing answer
   * stays missing.
   *
   * @param values resolves the client's value
   * @param <C> the request context
   * @return the resolver
   */
  public <C> KeyResolver<C> of(KeyResolver<C> values) {
    Objects.requireNonNull(values, "values");
    key(""); // fails now, not per request, for a kind that needs a name
    return context -> {
      String value = values.resolve(context);
      return value == null || KeyResolver.isMissing(value) ? null : key(value);
    };
  }

  /**
   * Returns a resolver that spells the answers of {@code values} as keys of this named kind; a missing answer stays
   * missing.
   *
   * @param name the header, attribute or resolver name
   * @param values resolves the client's value
   * @param <C> the request context
   * @return the resolver
   */
  public <C> KeyResolver<C> of(String name, KeyResolver<C> values) {
    Objects.requireNonNull(values, "values");
    String prefix = key(name, "");
    return context -> {
      String value = values.resolve(context);
      return KeyResolver.isMissing(value) ? null : prefix + value;
    };
  }
}
