package io.limiter.servlet;

import io.limiter.core.KeyResolver;
import io.limiter.servlet.internal.IpAddress;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Objects;

/**
 * Resolves the client's IP address as a rate limit key, safely behind reverse proxies.
 *
 * <p>The socket peer ({@code getRemoteAddr()}) is the client unless it is a configured <em>trusted proxy</em>. Only
 * then is the forwarding header ({@link ForwardedHeader}) read, <em>right to left</em>: hops that are trusted proxies
 * are skipped, and the first hop that is not is the client. So a client cannot choose its key by sending its own
 * {@code X-Forwarded-For}: an untrusted peer's header is never read, and values a client put in front of the chain
 * are never reached while a real hop stands between them and the trusted proxies.
 *
 * <ul>
 *   <li>At most {@value #MAX_HOPS} hops are examined; if all are trusted, the last one examined is the client.
 *   <li>A malformed hop (not an address literal, {@code unknown}, an obfuscated RFC 7239 identifier, an empty list
 *       element) makes the resolver fall back to the peer address. It never throws and never resolves host names.
 *   <li>Ports are stripped, IPv4-mapped IPv6 addresses become IPv4, IPv6 zone ids are dropped.
 *   <li>The key is the canonical address text; IPv6 addresses are keyed by their /64 network by default
 *       ({@code 2001:db8:1:2::/64}), since one subscriber usually holds a whole /64.
 *   <li>Trusting every address ({@code 0.0.0.0/0}, {@code ::/0}) needs {@link Builder#trustAllProxies(boolean)}:
 *       it only makes sense when the application is reachable through the proxies alone.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientIpResolver implements KeyResolver<HttpServletRequest> {

  /** The most forwarding hops examined per request. */
  public static final int MAX_HOPS = 100;

  private static final ClientIpResolver PEER_ONLY = new Builder().build();

  private final List<Network> trusted;
  private final List<String> trustedText;
  private final ForwardedHeader header;
  private final int ipv4Prefix;
  private final int ipv6Prefix;

  private ClientIpResolver(Builder b) {
    this.trusted = List.copyOf(b.trusted);
    this.trustedText = List.copyOf(b.trustedText);
    this.header = b.header;
    this.ipv4Prefix = b.ipv4Prefix;
    this.ipv6Prefix = b.ipv6Prefix;
  }

  /** @return a resolver that trusts no proxy: the key is always the socket peer's address */
  public static ClientIpResolver peerOnly() {
    return PEER_ONLY;
  }

  /** @return a new builder */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * @param request the request
   * @return the client's key, or null when the peer address is unknown
   */
  @Override
  public String resolve(HttpServletRequest request) {
    if (trusted.isEmpty()) {
      return resolve(request.getRemoteAddr(), Collections.emptyEnumeration());
    }
    return resolve(request.getRemoteAddr(), request.getHeaders(header.headerName()));
  }

  /**
   * Resolves from the raw parts of a request, for integrations that have no {@code HttpServletRequest}.
   *
   * @param peerAddress the socket peer's address
   * @param headerValues every value of the {@link #forwardedHeader()} header, in the order received
   * @return the client's key, or null when the peer address is blank
   */
  public String resolve(String peerAddress, Enumeration<String> headerValues) {
    if (peerAddress == null || peerAddress.isBlank()) {
      return null;
    }
    String text = peerAddress.trim();
    if (trusted.isEmpty() && ipv4Prefix >= 32 && IpAddress.isV4Literal(text)) {
      return text; // the usual direct IPv4 peer: the literal is already the canonical key, no need to parse it
    }
    IpAddress peer = IpAddress.parse(text);
    if (peer == null) {
      // not an IP literal (e.g. a Unix domain socket); the container's text is the best key there is
      return text;
    }
    if (!isTrusted(peer) || headerValues == null || !headerValues.hasMoreElements()) {
      return key(peer);
    }
    List<String> values = Collections.list(headerValues);
    List<String> hops = header == ForwardedHeader.X_FORWARDED_FOR ? lastHopsXff(values) : lastHopsForwarded(values);
    IpAddress client = peer;
    for (String hop : hops) {
      IpAddress address = hop == null ? null : IpAddress.parseHop(hop);
      if (address == null) {
        return key(peer);
      }
      client = address;
      if (!isTrusted(address)) {
        break;
      }
    }
    return key(client);
  }

  /** The last MAX_HOPS hops of X-Forwarded-For, rightmost first, found by scanning from the end. */
  private static List<String> lastHopsXff(List<String> values) {
    List<String> hops = new ArrayList<>();
    for (int v = values.size() - 1; v >= 0 && hops.size() < MAX_HOPS; v--) {
      String value = values.get(v);
      int end = value.length();
      while (hops.size() < MAX_HOPS) {
        int comma = value.lastIndexOf(',', end - 1);
        hops.add(value.substring(comma + 1, end));
        if (comma < 0) {
          break;
        }
        end = comma;
      }
    }
    return hops;
  }

  /** The {@code for} values of the last MAX_HOPS elements of RFC 7239 Forwarded, rightmost first; null if absent. */
  private static List<String> lastHopsForwarded(List<String> values) {
    List<String> elements = new ArrayList<>();
    for (String value : values) {
      splitOutsideQuotes(value, ',', elements);
    }
    List<String> hops = new ArrayList<>();
    for (int i = elements.size() - 1; i >= 0 && hops.size() < MAX_HOPS; i--) {
      List<String> pairs = new ArrayList<>();
      splitOutsideQuotes(elements.get(i), ';', pairs);
      String forValue = null;
      for (String pair : pairs) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase("for")) {
          forValue = unquote(pair.substring(eq + 1).trim());
          break;
        }
      }
      hops.add(forValue);
    }
    return hops;
  }

  private static void splitOutsideQuotes(String s, char separator, List<String> out) {
    boolean quoted = false;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == separator && !quoted) {
        out.add(s.substring(start, i));
        start = i + 1;
      }
    }
    out.add(s.substring(start));
  }

  private static String unquote(String v) {
    if (v.length() < 2 || v.charAt(0) != '"' || v.charAt(v.length() - 1) != '"') {
      return v;
    }
    StringBuilder sb = new StringBuilder(v.length());
    for (int i = 1; i < v.length() - 1; i++) {
      char c = v.charAt(i);
      if (c == '\\' && i + 1 < v.length() - 1) {
        c = v.charAt(++i);
      }
      sb.append(c);
    }
    return sb.toString();
  }

  private boolean isTrusted(IpAddress address) {
    for (Network n : trusted) {
      if (address.isIn(n.address, n.prefix)) {
        return true;
      }
    }
    return false;
  }

  private String key(IpAddress address) {
    int prefix = address.isV4() ? ipv4Prefix : ipv6Prefix;
    if (prefix >= address.bits()) {
      return address.toString();
    }
    return address.masked(prefix) + "/" + prefix;
  }

  /** @return the trusted proxy networks as configured */
  public List<String> trustedProxies() {
    return trustedText;
  }

  /** @return the header read from trusted proxies */
  public ForwardedHeader forwardedHeader() {
    return header;
  }

  /** @return the prefix length IPv4 clients are keyed by */
  public int ipv4PrefixLength() {
    return ipv4Prefix;
  }

  /** @return the prefix length IPv6 clients are keyed by */
  public int ipv6PrefixLength() {
    return ipv6Prefix;
  }

  @Override
  public String toString() {
    return "ClientIpResolver{trusted=" + trustedText + ", header=" + header.headerName() + ", ipv4=/" + ipv4Prefix
        + ", ipv6=/" + ipv6Prefix + "}";
  }

  private record Network(IpAddress address, int prefix) {
  }

  /** Builds a {@link ClientIpResolver}; validates each value when set. Not thread-safe. */
  public static final class Builder {
    private final List<Network> trusted = new ArrayList<>();
    private final List<String> trustedText = new ArrayList<>();
    private boolean trustAll;
    private String everyAddress;
    private ForwardedHeader header = ForwardedHeader.X_FORWARDED_FOR;
    private int ipv4Prefix = 32;
    private int ipv6Prefix = 64;

    private Builder() {
    }

    /**
     * Adds a trusted proxy: an address ({@code 10.0.0.7}, {@code ::1}) or a network in CIDR notation
     * ({@code 10.0.0.0/8}, {@code fd00::/8}). Host bits after the prefix are ignored.
     *
     * @param cidr the address or network
     * @return this builder
     * @throws IllegalArgumentException if it is not an address literal with an optional prefix length in range
     */
    public Builder trustedProxy(String cidr) {
      Objects.requireNonNull(cidr, "cidr");
      String text = cidr.trim();
      int slash = text.indexOf('/');
      IpAddress address = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException("trusted proxy must be an IP address or CIDR network such as 10.0.0.0/8 "
            + "or fd00::/8 but was \"" + cidr + "\"");
      }
      int prefix = address.bits();
      if (slash >= 0) {
        String p = text.substring(slash + 1);
        try {
          prefix = Integer.parseInt(p);
        } catch (NumberFormatException e) {
          prefix = -1;
        }
        // An IPv4-mapped network (::ffff:10.0.0.0/104) is stored as IPv4, so its prefix shrinks by 96.
        if (address.isV4() && text.substring(0, slash).indexOf(':') >= 0) {
          prefix -= 96;
        }
        if (prefix < 0 || prefix > address.bits()) {
          throw new IllegalArgumentException("prefix length of trusted proxy \"" + cidr + "\" must be between 0 and "
              + address.bits() + " but was \"" + p + "\"");
        }
      }
      if (prefix == 0) {
        everyAddress = cidr;
      }
      trusted.add(new Network(address.masked(prefix), prefix));
      trustedText.add(text);
      return this;
    }

    /**
     * Adds trusted proxies.
     *
     * @param cidrs addresses or CIDR networks
     * @return this builder
     * @throws IllegalArgumentException for the first malformed one
     */
    public Builder trustedProxies(Iterable<String> cidrs) {
      for (String cidr : cidrs) {
        trustedProxy(cidr);
      }
      return this;
    }

    /**
     * Adds trusted proxies.
     *
     * @param cidrs addresses or CIDR networks
     * @return this builder
     */
    public Builder trustedProxies(String... cidrs) {
      return trustedProxies(List.of(cidrs));
    }

    /**
     * Allows a trusted network that contains every address ({@code 0.0.0.0/0} or {@code ::/0}). Without this opt-in
     * such a network fails {@link #build()}: it lets any client that reaches the application directly choose its own
     * key.
     *
     * @param trustAll whether to allow it
     * @return this builder
     */
    public Builder trustAllProxies(boolean trustAll) {
      this.trustAll = trustAll;
      return this;
    }

    /**
     * Sets the header read from trusted proxies; the default is {@link ForwardedHeader#X_FORWARDED_FOR}.
     *
     * @param header the header
     * @return this builder
     */
    public Builder forwardedHeader(ForwardedHeader header) {
      this.header = Objects.requireNonNull(header, "header");
      return this;
    }

    /**
     * Sets the prefix IPv6 clients are keyed by; the default is 64.
     *
     * @param prefixLength 1 to 128; 128 keys every address separately
     * @return this builder
     */
    public Builder ipv6PrefixLength(int prefixLength) {
      if (prefixLength < 1 || prefixLength > 128) {
        throw new IllegalArgumentException("IPv6 prefix length must be between 1 and 128 but was " + prefixLength);
      }
      this.ipv6Prefix = prefixLength;
      return this;
    }

    /**
     * Sets the prefix IPv4 clients are keyed by; the default is 32 (every address separately).
     *
     * @param prefixLength 1 to 32
     * @return this builder
     */
    public Builder ipv4PrefixLength(int prefixLength) {
      if (prefixLength < 1 || prefixLength > 32) {
        throw new IllegalArgumentException("IPv4 prefix length must be between 1 and 32 but was " + prefixLength);
      }
      this.ipv4Prefix = prefixLength;
      return this;
    }

    /**
     * @return the resolver
     * @throws IllegalStateException if a trusted network contains every address and
     *     {@link #trustAllProxies(boolean)} was not set
     */
    public ClientIpResolver build() {
      if (everyAddress != null && !trustAll) {
        throw new IllegalStateException("trusted proxy \"" + everyAddress + "\" contains every address, so any "
            + "client could choose its own key with X-Forwarded-For; list your proxies' networks, or opt in with "
            + "trust-all-proxies=true if the application is reachable through the proxies only");
      }
      return new ClientIpResolver(this);
    }
  }
}
