package io.limiter.web;

import io.limiter.core.KeyKind;
import io.limiter.core.KeyResolver;
import java.util.Objects;

/**
 * Key resolvers over {@link HttpRequestView} (any web stack's request; limiter-servlet's {@code ServletRequestView} for
 * the servlet filter): the building blocks that {@link KeyReference}s stand for. Combine
 * them with {@link KeyResolver#composite(java.util.List)} and {@link KeyResolver#orElse(KeyResolver)}. A resolver
 * answers null when the request carries no key; the filter then applies the rule's
 * {@link io.limiter.core.MissingKeyStrategy}. These answer plain values; {@link KeyReference#toResolver} spells them as
 * keys of their {@link KeyKind}, and the filter spells the answers of a resolver given to it directly as
 * {@link KeyKind#CUSTOM} keys ({@code x:<value>}), so no value can pose as a key of another kind. All resolvers are
 * stateless and thread-safe.
 */
public final class RequestKeys {

  /** The key {@link #global()} answers: {@link KeyKind#global()}. */
  public static final String GLOBAL_KEY = "global";

  private RequestKeys() {
  }

  /**
   * @param name a header name, e.g. {@code X-API-Key}
   * @return a resolver answering the header's first value, trimmed; null if absent or blank
   */
  public static KeyResolver<HttpRequestView> header(String name) {
    Objects.requireNonNull(name, "name");
    return request -> {
      String value = request.header(name);
      return value == null || value.isBlank() ? null : value.trim();
    };
  }

  /**
   * @return a resolver answering the {@linkplain HttpRequestView#principalName() principal's name}; null for
   *     anonymous requests
   */
  public static KeyResolver<HttpRequestView> principal() {
    return HttpRequestView::principalName;
  }

  /**
   * @param name a request attribute set by an earlier filter, e.g. a tenant or plan id
   * @return a resolver answering the attribute's {@code toString()}; null if absent
   */
  public static KeyResolver<HttpRequestView> attribute(String name) {
    Objects.requireNonNull(name, "name");
    return request -> {
      Object value = request.attribute(name);
      return value == null ? null : value.toString();
    };
  }

  /**
   * Returns a resolver answering {@value #GLOBAL_KEY} for every request: one bucket shared by all clients. The filter
   * recognises it (always the same instance) as the {@code global} key reference, so its bucket, like every shared
   * one, is never put in the penalty box.
   *
   * @return the resolver
   */
  public static KeyResolver<HttpRequestView> global() {
    return GLOBAL;
  }

  private static final KeyResolver<HttpRequestView> GLOBAL = KeyResolver.constant(KeyKind.global());
}
