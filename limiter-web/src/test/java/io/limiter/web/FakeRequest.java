package io.limiter.web;

import io.limiter.web.internal.CanonicalPath;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request of no particular stack, for the request layer's unit tests: what each stack's adapter would give. Header
 * names are case-insensitive; it records which headers were read, so a test can prove a value was never consulted.
 */
public final class FakeRequest implements HttpRequestView {

  private String method = "GET";
  private String rawPath = "/";
  private final Map<String, List<String>> headers = new HashMap<>();
  private final Map<String, Object> attributes = new LinkedHashMap<>();
  private final List<String> headersRead = new ArrayList<>();
  private @Nullable String peer;
  private @Nullable String principal;

  public FakeRequest method(String method) {
    this.method = method;
    return this;
  }

  /** @param rawPath the path as sent, before decoding */
  public FakeRequest path(String rawPath) {
    this.rawPath = rawPath;
    return this;
  }

  public FakeRequest peer(@Nullable String peer) {
    this.peer = peer;
    return this;
  }

  public FakeRequest header(String name, String... values) {
    headers.put(name.toLowerCase(Locale.ROOT), List.of(values));
    return this;
  }

  public FakeRequest principal(@Nullable String name) {
    this.principal = name;
    return this;
  }

  public FakeRequest attribute(String name, Object value) {
    attributes.put(name, value);
    return this;
  }

  /** @return the names of the headers read so far, lower case, in order */
  public List<String> headersRead() {
    return headersRead;
  }

  @Override
  public String method() {
    return method;
  }

  @Override
  public PathSpellings pathSpellings() {
    return CanonicalPath.spellings(rawPath, "", null, null, true);
  }

  @Override
  public @Nullable String header(String name) {
    List<String> values = headers(name);
    return values.isEmpty() ? null : values.get(0);
  }

  @Override
  public List<String> headers(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    headersRead.add(lower);
    return headers.getOrDefault(lower, List.of());
  }

  @Override
  public @Nullable String peerAddress() {
    return peer;
  }

  @Override
  public @Nullable String principalName() {
    return principal;
  }

  @Override
  public @Nullable Object attribute(String name) {
    return attributes.get(name);
  }

  @Override
  public String toString() {
    return "FakeRequest{" + method + " " + rawPath + "}";
  }
}
