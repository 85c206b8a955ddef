package io.limiter.web;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What Limiter's rules and request keys read from an HTTP request, on any web stack: the method, the spellings of
 * the path, headers, the socket peer, the authenticated principal and request attributes. Each stack adapts its own
 * request type to it (limiter-servlet's {@code ServletRequestView} over {@code HttpServletRequest}), so that key
 * references ({@code ip}, {@code header:X}, {@code principal}, {@code attribute:X}), client IP resolution behind
 * trusted proxies and path rules are one implementation for every stack.
 *
 * <p>A view belongs to one request (for the servlet stack, one dispatch of it) and is used by the thread handling it;
 * implementations need not be thread-safe. Values come from the client unless said otherwise: a view never
 * interprets them, the resolvers reading it escape them into keys of their kind.
 */
public interface HttpRequestView {

  /** @return the request method as the client sent it, e.g. {@code GET} (case-sensitive, RFC 9110 §9.1) */
  String method();

  /**
   * The spellings of the request's path inside the application (without context path), canonicalized alike on
   * every stack: decoded, {@code ;params} removed, dot segments resolved, duplicate slashes folded, each reading the
   * server may route by; or refused when the path cannot be read with confidence.
   *
   * @return the spellings, computed once per view
   */
  PathSpellings pathSpellings();

  /**
   * @param name a header name, case-insensitive
   * @return the header's first value as received, or null if absent
   */
  @Nullable String header(String name);

  /**
   * @param name a header name, case-insensitive
   * @return every value of the header in the order received (one per header line); empty if absent
   */
  List<String> headers(String name);

  /**
   * @return the socket peer's address as the server spells it (IPv6 with or without brackets, possibly with a zone
   *     id), or null if unknown; never a forwarded address
   */
  @Nullable String peerAddress();

  /** @return the authenticated principal's name, as the stack's security established it; null if anonymous */
  @Nullable String principalName();

  /**
   * @param name an attribute name, e.g. one an earlier filter set (a tenant or plan id)
   * @return the attribute's value, or null if absent
   */
  @Nullable Object attribute(String name);
}
