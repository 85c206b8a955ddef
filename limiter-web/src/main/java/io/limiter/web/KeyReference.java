package io.limiter.web;

import io.limiter.core.KeyKind;
import io.limiter.core.KeyResolver;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A parsed key resolver reference: the text notation for "which client is this request" used by
 * {@code @RateLimit(key = ...)}, the filter's init-params and the Spring module's properties.
 *
 * <table>
 *   <caption>References</caption>
 *   <tr><th>text</th><th>key</th></tr>
 *   <tr><td>{@code ip}</td><td>the client IP, per the filter's {@link ClientIpResolver} (trusted proxies)</td></tr>
 *   <tr><td>{@code header:<name>}</td><td>a request header's value, e.g. {@code header:X-API-Key}</td></tr>
 *   <tr><td>{@code principal}</td><td>the authenticated user's name</td></tr>
 *   <tr><td>{@code attribute:<name>}</td><td>a request attribute set by an earlier filter</td></tr>
 *   <tr><td>{@code global}</td><td>one bucket for all requests</td></tr>
 * </table>
 * Several references separated by commas form a composite key (e.g. {@code header:X-API-Key, ip}: one bucket per
 * API key and IP), which is missing if any part is. Keywords are case-insensitive; header and attribute names keep
 * their case. {@link #toString()} gives the normalized text, which {@link #parse(String)} reads back to an equal
 * reference. Immutable and thread-safe.
 */
public final class KeyReference {

  /** The kinds of reference. */
  public enum Kind {
    /** The client IP. */
    IP,
    /** A request header; the argument is its name. */
    HEADER,
    /** The authenticated principal's name. */
    PRINCIPAL,
    /** A request attribute; the argument is its name. */
    ATTRIBUTE,
    /** One key for every request. */
    GLOBAL
  }

  /**
   * One part of a reference.
   *
   * @param kind what to read
   * @param argument the header or attribute name; null for the other kinds
   */
  public record Part(Kind kind, @Nullable String argument) {
    /**
     * @param kind what to read
     * @param argument the header or attribute name; null for the other kinds
     * @throws IllegalArgumentException if the argument is missing or present where it does not belong
     */
    public Part {
      Objects.requireNonNull(kind, "kind");
      boolean named = kind == Kind.HEADER || kind == Kind.ATTRIBUTE;
      if (named == (argument == null || argument.isBlank())) {
        throw new IllegalArgumentException(named ? kind.name().toLowerCase(Locale.ROOT) + " needs a name"
            : kind.name().toLowerCase(Locale.ROOT) + " takes no name");
      }
    }

    @Override
    public String toString() {
      return argument == null ? kind.name().toLowerCase(Locale.ROOT)
          : kind.name().toLowerCase(Locale.ROOT) + ":" + argument;
    }
  }

  private static final String FORMS = "ip, header:<name>, principal, attribute:<name> or global "
      + "(or several of them separated by commas)";

  private final List<Part> parts;

  private KeyReference(List<Part> parts) {
    this.parts = List.copyOf(parts);
  }

  /**
   * Parses a reference.
   *
   * @param text e.g. {@code ip}, {@code header:X-API-Key}, {@code principal, ip}
   * @return the reference
   * @throws IllegalArgumentException naming the text, the offending part and the accepted forms
   */
  public static KeyReference parse(String text) {
    Objects.requireNonNull(text, "text");
    if (text.isBlank()) {
      throw new IllegalArgumentException("key reference must not be blank; expected " + FORMS);
    }
    List<Part> parts = new ArrayList<>();
    for (String raw : text.split(",", -1)) {
      String p = raw.trim();
      int colon = p.indexOf(':');
      String word = (colon < 0 ? p : p.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
      String arg = colon < 0 ? null : p.substring(colon + 1).trim();
      Part part;
      switch (word) {
        case "ip":
          part = colon < 0 ? new Part(Kind.IP, null) : null;
          break;
        case "principal":
          part = colon < 0 ? new Part(Kind.PRINCIPAL, null) : null;
          break;
        case "global":
          part = colon < 0 ? new Part(Kind.GLOBAL, null) : null;
          break;
        case "header":
          part = arg != null && isToken(arg) ? new Part(Kind.HEADER, arg) : null;
          break;
        case "attribute":
          part = arg != null && !arg.isEmpty() ? new Part(Kind.ATTRIBUTE, arg) : null;
          break;
        default:
          part = null;
      }
      if (part == null) {
        throw new IllegalArgumentException("key reference \"" + text + "\" has an invalid part \"" + p
            + "\"; expected " + FORMS + (word.equals("header") ? "; a header name is an HTTP token" : ""));
      }
      parts.add(part);
    }
    return new KeyReference(parts);
  }

  /**
   * @param kind a kind without argument: ip, principal or global
   * @return the reference of that one kind
   */
  public static KeyReference of(Kind kind) {
    return new KeyReference(List.of(new Part(kind, null)));
  }

  /** HTTP token (RFC 9110 tchar). */
  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** @return the parts, at least one */
  public List<Part> parts() {
    return parts;
  }

  /**
   * Creates the resolver of rate limit keys this reference stands for. Each key carries its {@link KeyKind}
   * ({@code ip:203.0.113.7}, {@code h:x-api-key:<value>}, {@code p:<name>}, {@code a:<name>:<value>}, {@code global};
   * several parts form a {@link KeyKind#COMPOSITE} key), so a value of one kind can never equal a key of another: an
   * {@code X-API-Key: 203.0.113.7} header does not drain the IP 203.0.113.7's bucket. Header names are case-insensitive
   * and spelled in lower case.
   *
   * @param clientIp resolves {@code ip} parts
   * @return the resolver; a composite one if there are several parts
   */
  public KeyResolver<HttpRequestView> toResolver(ClientIpResolver clientIp) {
    Objects.requireNonNull(clientIp, "clientIp");
    List<KeyResolver<HttpRequestView>> resolvers = new ArrayList<>(parts.size());
    for (Part part : parts) {
      switch (part.kind()) {
        case IP:
          resolvers.add(KeyKind.IP.of(clientIp));
          break;
        case HEADER: // header and attribute parts always have an argument
          String header = Objects.requireNonNull(part.argument(), "argument");
          resolvers.add(KeyKind.HEADER.of(header.toLowerCase(Locale.ROOT), RequestKeys.header(header)));
          break;
        case PRINCIPAL:
          resolvers.add(KeyKind.PRINCIPAL.of(RequestKeys.principal()));
          break;
        case ATTRIBUTE:
          String attribute = Objects.requireNonNull(part.argument(), "argument");
          resolvers.add(KeyKind.ATTRIBUTE.of(attribute, RequestKeys.attribute(attribute)));
          break;
        case GLOBAL:
        default:
          resolvers.add(RequestKeys.global());
      }
    }
    return resolvers.size() == 1 ? resolvers.get(0) : KeyResolver.composite(resolvers);
  }

  /**
   * Creates a resolver of the plain value this reference reads, without a kind: what a tier key needs, whose answer
   * is a tier name rather than a rate limit key.
   *
   * @param clientIp resolves {@code ip} parts
   * @return the resolver; for several parts, a composite of their plain values
   */
  public KeyResolver<HttpRequestView> toValueResolver(ClientIpResolver clientIp) {
    Objects.requireNonNull(clientIp, "clientIp");
    List<KeyResolver<HttpRequestView>> resolvers = new ArrayList<>(parts.size());
    for (Part part : parts) {
      switch (part.kind()) {
        case IP:
          resolvers.add(clientIp);
          break;
        case HEADER: // header and attribute parts always have an argument
          resolvers.add(RequestKeys.header(Objects.requireNonNull(part.argument(), "argument")));
          break;
        case PRINCIPAL:
          resolvers.add(RequestKeys.principal());
          break;
        case ATTRIBUTE:
          resolvers.add(RequestKeys.attribute(Objects.requireNonNull(part.argument(), "argument")));
          break;
        case GLOBAL:
        default:
          resolvers.add(RequestKeys.global());
      }
    }
    return resolvers.size() == 1 ? resolvers.get(0) : KeyResolver.composite(resolvers);
  }

  /**
   * Returns the {@code WWW-Authenticate} challenge for a 401 response to a request that lacks this key, since a 401
   * must carry one (RFC 9110 §15.5.2): for a reference with a header part, {@code ApiKey header="<name>"} (the first
   * header part), a scheme that is not registered but tells the client which header to send. Other references have
   * no challenge of their own (an authenticated principal is challenged by the application's authentication, which
   * normally answers before the rate limiter).
   *
   * @return the challenge, or empty if this reference has none
   */
  public Optional<String> challenge() {
    for (Part part : parts) {
      if (part.kind() == Kind.HEADER) {
        // header names are tokens (checked by parse), so they need no escaping inside the quoted-string
        return Optional.of("ApiKey header=\"" + part.argument() + "\"");
      }
    }
    return Optional.empty();
  }

  /**
   * @return a phrase for messages to clients, e.g. {@code the header X-API-Key}, {@code an authenticated user}
   */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Part part : parts) {
      if (sb.length() > 0) {
        sb.append(" and ");
      }
      switch (part.kind()) {
        case HEADER:
          sb.append("the header ").append(part.argument());
          break;
        case PRINCIPAL:
          sb.append("an authenticated user");
          break;
        case ATTRIBUTE:
          sb.append("the request attribute ").append(part.argument());
          break;
        case IP:
          sb.append("a client address");
          break;
        case GLOBAL:
        default:
          sb.append("nothing");
      }
    }
    return sb.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyReference other && parts.equals(other.parts);
  }

  @Override
  public int hashCode() {
    return parts.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Part part : parts) {
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(part);
    }
    return sb.toString();
  }
}
