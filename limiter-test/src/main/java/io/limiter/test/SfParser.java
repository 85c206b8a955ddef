package io.limiter.test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.greenbytes.http.sfv.DecimalItem;
import org.greenbytes.http.sfv.ListElement;
import org.greenbytes.http.sfv.Parser;
import org.greenbytes.http.sfv.TokenItem;

/**
 * Reads RFC 9651 structured field Lists of Items with an independent parser (greenbytes' structured-fields, strict,
 * tested against the HTTP WG's structured-header tests), so that the IETF {@code RateLimit} and
 * {@code RateLimit-Policy} fields are checked by someone else's reading of the RFC instead of ours. Throws an
 * {@link IllegalArgumentException} (the library's {@code ParseException}) on any deviation, and on an inner list, which
 * neither field may contain. Needs {@code org.greenbytes.http:structured-fields} on the test class path (an optional
 * dependency of this kit). Used by the HTTP tests of every web filter. Thread-safe: stateless.
 */
public final class SfParser {

  /**
   * One item: its value (a {@link String} for an sf-string, a {@link Token}, a {@link Long}, a {@link Double} for a
   * decimal, a {@link Boolean}) and its parameters' values, in order.
   */
  public record Item(Object value, Map<String, Object> params) {
    /**
     * @param key a parameter's name
     * @return its sf-integer value
     * @throws AssertionError if it is absent or not an sf-integer
     */
    public long param(String key) {
      Object v = params.get(key);
      if (!(v instanceof Long)) {
        throw new AssertionError("parameter " + key + " of " + this + " is not an sf-integer");
      }
      return (Long) v;
    }
  }

  /** An sf-token, kept apart from an sf-string. */
  public record Token(String text) {
  }

  private SfParser() {
  }

  /**
   * @param field a field value
   * @return its items
   * @throws IllegalArgumentException if it is not a valid sf-list of items
   */
  public static List<Item> parseList(String field) {
    List<Item> items = new ArrayList<>();
    for (ListElement<?> element : Parser.parseList(field).get()) {
      if (!(element instanceof org.greenbytes.http.sfv.Item<?> item)) {
        throw new IllegalArgumentException("an inner list, where an item was expected: " + field);
      }
      Map<String, Object> params = new LinkedHashMap<>();
      item.getParams().forEach((key, value) -> params.put(key, valueOf(value)));
      items.add(new Item(valueOf(item), params));
    }
    return items;
  }

  private static Object valueOf(org.greenbytes.http.sfv.Item<?> item) {
    if (item instanceof TokenItem token) {
      return new Token(token.get());
    }
    if (item instanceof DecimalItem decimal) {
      return decimal.get().doubleValue();
    }
    return item.get();
  }
}
