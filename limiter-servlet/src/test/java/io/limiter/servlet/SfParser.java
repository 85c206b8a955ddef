package io.limiter.servlet;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A strict parser for RFC 9651 structured field Lists of Items (strings, tokens, integers, decimals, booleans) with
 * parameters, enough to check the syntax of the IETF {@code RateLimit} and {@code RateLimit-Policy} fields instead of
 * comparing strings. Throws {@link IllegalArgumentException} at the first deviation.
 */
final class SfParser {

  record Item(Object value, Map<String, Object> params) {
    long param(String key) {
      Object v = params.get(key);
      if (!(v instanceof Long)) {
        throw new AssertionError("parameter " + key + " of " + this + " is not an sf-integer");
      }
      return (Long) v;
    }
  }

  private final String s;
  private int i;

  private SfParser(String s) {
    this.s = s;
  }

  static List<Item> parseList(String field) {
    SfParser p = new SfParser(field);
    p.skipSp();
    List<Item> items = new ArrayList<>();
    while (p.i < p.s.length()) {
      items.add(p.item());
      p.skipOws();
      if (p.i == p.s.length()) {
        return items;
      }
      p.expect(',');
      p.skipOws();
      if (p.i == p.s.length()) {
        throw p.error("trailing comma");
      }
    }
    return items;
  }

  private Item item() {
    Object value = bareItem();
    Map<String, Object> params = new LinkedHashMap<>();
    while (i < s.length() && s.charAt(i) == ';') {
      i++;
      skipSp();
      String key = key();
      Object v = Boolean.TRUE;
      if (i < s.length() && s.charAt(i) == '=') {
        i++;
        v = bareItem();
      }
      params.put(key, v);
    }
    return new Item(value, params);
  }

  private String key() {
    int start = i;
    if (i >= s.length() || !(lcalpha(s.charAt(i)) || s.charAt(i) == '*')) {
      throw error("key must start with lcalpha or *");
    }
    while (i < s.length() && (lcalpha(s.charAt(i)) || Character.isDigit(s.charAt(i)) || "_-.*".indexOf(s.charAt(i)) >= 0)) {
      i++;
    }
    return s.substring(start, i);
  }

  private Object bareItem() {
    if (i >= s.length()) {
      throw error("expected an item");
    }
    char c = s.charAt(i);
    if (c == '-' || Character.isDigit(c)) {
      return number();
    }
    if (c == '"') {
      return string();
    }
    if (c == '?') {
      i++;
      if (i < s.length() && (s.charAt(i) == '0' || s.charAt(i) == '1')) {
        return s.charAt(i++) == '1';
      }
      throw error("bad boolean");
    }
    if (Character.isLetter(c) && c < 128 || c == '*') {
      int start = i;
      while (i < s.length() && (tchar(s.charAt(i)) || s.charAt(i) == ':' || s.charAt(i) == '/')) {
        i++;
      }
      return new Token(s.substring(start, i));
    }
    throw error("unexpected character '" + c + "'");
  }

  record Token(String text) {
  }

  private Object number() {
    int start = i;
    if (s.charAt(i) == '-') {
      i++;
    }
    int digits = 0;
    boolean decimal = false;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || (s.charAt(i) == '.' && !decimal))) {
      if (s.charAt(i) == '.') {
        decimal = true;
      } else {
        digits++;
      }
      i++;
    }
    if (digits == 0 || digits > 15) {
      throw error("bad number");
    }
    String text = s.substring(start, i);
    return decimal ? (Object) Double.parseDouble(text) : (Object) Long.parseLong(text);
  }

  private String string() {
    i++;
    StringBuilder sb = new StringBuilder();
    while (i < s.length()) {
      char c = s.charAt(i++);
      if (c == '\\') {
        if (i >= s.length() || (s.charAt(i) != '"' && s.charAt(i) != '\\')) {
          throw error("bad escape");
        }
        sb.append(s.charAt(i++));
      } else if (c == '"') {
        return sb.toString();
      } else if (c < 0x20 || c > 0x7e) {
        throw error("non-printable character in string");
      } else {
        sb.append(c);
      }
    }
    throw error("unterminated string");
  }

  private void expect(char c) {
    if (i >= s.length() || s.charAt(i) != c) {
      throw error("expected '" + c + "'");
    }
    i++;
  }

  private void skipSp() {
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
  }

  private void skipOws() {
    while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
      i++;
    }
  }

  private static boolean lcalpha(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static boolean tchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("invalid structured field at " + i + " (" + what + "): " + s);
  }
}
