package io.limiter.web;

import io.limiter.core.KeyResolver;
import io.limiter.core.settings.LimiterSettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.web.internal.IpAddress;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Resolves the client's IP address as a rate limit key, safely behind reverse proxies.
 *
 * <p>The socket peer ({@link HttpRequestView#peerAddress()}, the servlet's {@code getRemoteAddr()}) is the client
 * unless it is a configured <em>trusted proxy</em>. Only then is the forwarding header ({@link ForwardedHeader}) read,
 * <em>right to left</em>: hops that are trusted proxies are skipped, and the first hop that is not is the client. So
 * a client cannot choose its key by sending its own {@code X-Forwarded-For}: an untrusted peer's header is never read,
 * and values a client put in front of the chain are never reached while a real hop stands between them and the
 * trusted proxies.
 *
 * <ul>
 *   <li>At most {@value #MAX_HOPS} hops are examined; if all are trusted, the last one examined is the client.
 *   <li>A malformed hop (not an address literal, {@code unknown}, an obfuscated RFC 7239 identifier, an empty list
 *       element, an RFC 7239 element with no or two {@code for} parameters) makes the resolver fall back to the peer
 *       address. It never throws and never resolves host names.
 *   <li>Every container's spelling of the peer is understood: IPv6 in brackets (Jetty 12: {@code [2001:db8::1]}) or
 *       without (Tomcat: {@code 2001:db8:0:0:0:0:0:1}). Ports are stripped, IPv6 zone ids are dropped.
 *   <li>An IPv6 address that carries an IPv4 host is that IPv4 address, for the key and for trust alike:
 *       IPv4-mapped {@code ::ffff:192.0.2.1}, NAT64 {@code 64:ff9b::192.0.2.1}, IPv4-compatible {@code ::192.0.2.1}.
 *   <li>The key is the canonical address text; IPv6 addresses are keyed by their /64 network by default
 *       ({@code 2001:db8:1:2::/64}), since one subscriber usually holds a whole /64.
 *   <li>Trusting every address of a family needs {@link Builder#trustAllProxies(boolean)}: it only makes sense when
 *       the application is reachable through the proxies alone. The guard judges the union of the trusted networks
 *       ({@code 0.0.0.0/1} with {@code 128.0.0.0/1} is every IPv4 address), and counts an IPv6 network that holds
 *       every embedded form of IPv4 ({@code ::ffff:0:0/96}, {@code 64:ff9b::/96}) as every IPv4 address.
 * </ul>
 *
 * <p>Immutable and thread-safe.
 */
public final class ClientIpResolver implements KeyResolver<HttpRequestView> {

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
   * @param request the request, of any web stack
   * @return the client's key, or null when the peer address is unknown
   */
  @Override
  public @Nullable String resolve(HttpRequestView request) {
    if (trusted.isEmpty()) {
      return resolve(request.peerAddress(), NO_VALUES); // no proxy is trusted: the header is never read
    }
    return resolve(request.peerAddress(), () -> request.headers(header.headerName()));
  }

  private static final Supplier<List<String>> NO_VALUES = List::of;

  /**
   * Resolves from the raw parts of a request, for integrations that have no {@link HttpRequestView}.
   *
   * @param peerAddress the socket peer's address
   * @param headerValues every value of the {@link #forwardedHeader()} header, in the order received
   * @return the client's key, or null when the peer address is blank
   */
  public @Nullable String resolve(@Nullable String peerAddress, List<String> headerValues) {
    return resolve(peerAddress, headerValues == null ? NO_VALUES : () -> headerValues);
  }

  /** The header values are read only when the peer is a trusted proxy: an untrusted peer's header is never read. */
  private @Nullable String resolve(@Nullable String peerAddress, Supplier<List<String>> headerValues) {
    if (peerAddress == null || peerAddress.isBlank()) {
      return null;
    }
    String text = peerAddress.trim();
    if (trusted.isEmpty() && ipv4Prefix >= 32 && IpAddress.isV4Literal(text)) {
      return text; // the usual direct IPv4 peer: the literal is already the canonical key, no need to parse it
    }
    IpAddress peer = IpAddress.parsePeer(text);
    if (peer == null) {
      // not an IP literal (e.g. a Unix domain socket); the container's text is the best key there is
      return text;
    }
    if (!isTrusted(peer)) {
      return key(peer);
    }
    List<String> values = headerValues.get();
    if (values.isEmpty()) {
      return key(peer);
    }
    List<String> hops = header == ForwardedHeader.X_FORWARDED_FOR ? lastHopsXff(values) : lastHopsForwarded(values);
    IpAddress client = peer;
    for (String hop : Objects.requireNonNull(hops, "hops")) { // the header had values, so there are hops
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
  private static @Nullable List<String> lastHopsForwarded(List<String> values) {
    List<String> elements = new ArrayList<>();
    for (String value : values) {
      splitElements(value, elements);
    }
    List<String> hops = new ArrayList<>();
    for (int i = elements.size() - 1; i >= 0 && hops.size() < MAX_HOPS; i--) {
      if (elements.get(i) == null) {
        hops.add(null);
        continue;
      }
      List<String> pairs = new ArrayList<>();
      splitOutsideQuotes(elements.get(i), ';', pairs);
      String forValue = null;
      int forCount = 0;
      for (String pair : pairs) {
        int eq = pair.indexOf('=');
        if (eq > 0 && pair.substring(0, eq).trim().equalsIgnoreCase("for")) {
          forValue = unquote(pair.substring(eq + 1).trim());
          forCount++;
        }
      }
      // RFC 7239 allows each parameter once per element: with two, which one the proxy wrote is unknowable
      hops.add(forCount == 1 ? forValue : null);
    }
    return hops;
  }

  /**
   * Splits one Forwarded value into its elements at commas outside quoted strings, scanning from the right; a
   * malformed element is null. The value ends in what the proxies wrote but starts with what the client sent, and
   * quotes pair up differently from each end: read from the left, a client's unterminated quote ({@code for="x} or
   * {@code by="}) would quote away the elements its proxies append ({@code , for=<peer>}), and the client would pick
   * its own hop or fall back to its proxy's key. Read from the right, the proxies' well-formed elements come first,
   * and a quote still open at the start makes only the leftmost (the client's) element malformed.
   */
  private static void splitElements(String value, List<String> out) {
    List<String> reversed = new ArrayList<>();
    boolean quoted = false;
    int end = value.length();
    for (int i = end - 1; i >= 0; i--) {
      char c = value.charAt(i);
      if (c == '"') {
        if (quoted && escaped(value, i)) {
          continue; // \" inside a quoted string
        }
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        reversed.add(value.substring(i + 1, end));
        end = i;
      }
    }
    reversed.add(quoted ? null : value.substring(0, end));
    for (int i = reversed.size() - 1; i >= 0; i--) {
      out.add(reversed.get(i));
    }
  }

  /** Whether the character at {@code i} is preceded by an odd number of backslashes (a quoted-pair). */
  private static boolean escaped(String s, int i) {
    int backslashes = 0;
    for (int k = i - 1; k >= 0 && s.charAt(k) == '\\'; k--) {
      backslashes++;
    }
    return (backslashes & 1) == 1;
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
    IpAddress transition = address.transitionV4();
    if (transition != null) {
      address = transition; // 6to4 and Teredo clients are keyed by the IPv4 host they stand for
    }
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

  /** A trusted network; {@code source} is the configured text it comes from, for error messages. */
  private record Network(IpAddress address, int prefix, String source) {
  }

  /** Builds a {@link ClientIpResolver}; validates each value when set. Not thread-safe. */
  public static final class Builder {
    private final List<Network> trusted = new ArrayList<>();
    private final List<String> trustedText = new ArrayList<>();
    private boolean trustAll;
    private ForwardedHeader header = ForwardedHeader.X_FORWARDED_FOR;
    private int ipv4Prefix = 32;
    private int ipv6Prefix = 64;

    private Builder() {
    }

    /**
     * Adds a trusted proxy: an address ({@code 10.0.0.7}, {@code ::1}, {@code [::1]}) or a network in CIDR notation
     * ({@code 10.0.0.0/8}, {@code fd00::/8}, {@code [fd00::]/8}). Host bits after the prefix are ignored. An IPv6
     * network that holds embedded IPv4 addresses ({@code ::ffff:10.0.0.0/104}, {@code 64:ff9b::10.0.0.0/104}) also
     * trusts those IPv4 addresses.
     *
     * @param cidr the address or network
     * @return this builder
     * @throws IllegalArgumentException if it is not an address literal with an optional prefix length in range
     */
    public Builder trustedProxy(String cidr) {
      Objects.requireNonNull(cidr, "cidr");
      String text = cidr.trim();
      int slash = text.indexOf('/');
      String literal = slash < 0 ? text : text.substring(0, slash);
      if (literal.length() > 2 && literal.charAt(0) == '[' && literal.charAt(literal.length() - 1) == ']'
          && literal.indexOf(':') > 0) {
        literal = literal.substring(1, literal.length() - 1);
      }
      // as written: an IPv6 network's prefix counts IPv6 bits even where its addresses embed IPv4 ones
      IpAddress address = IpAddress.parseRaw(literal); // a zone id (fe80::1%eth0) is dropped, as from peers
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
        if (prefix < 0 || prefix > address.bits()) {
          throw new IllegalArgumentException("prefix length of trusted proxy \"" + cidr + "\" must be between 0 and "
              + address.bits() + " but was \"" + p + "\"");
        }
      }
      trusted.add(new Network(address.masked(prefix), prefix, text));
      // the same hosts in their IPv4 form, which is how peers and hops that embed IPv4 are matched
      for (Map.Entry<IpAddress, Integer> v4 : address.embeddedV4Networks(prefix)) {
        trusted.add(new Network(v4.getKey(), v4.getValue(), text));
      }
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
     * Allows trusted networks that together contain every IPv4 or every IPv6 address ({@code 0.0.0.0/0},
     * {@code ::/0}, {@code 0.0.0.0/1} + {@code 128.0.0.0/1}, {@code ::ffff:0:0/96}). Without this opt-in they fail
     * {@link #build()}: they let any client that reaches the application directly choose its own key.
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
     * Applies the {@code client-ip.*} settings of the one settings model (init-params and Boot properties alike),
     * each through its setter here; a value that does not read or that a setter refuses becomes a problem naming the
     * setting and its value.
     *
     * @param settings the limiter-wide settings
     * @param problems receives every problem
     * @return this builder
     */
    public Builder settings(LimiterSettings settings, Problems problems) {
      Setting proxies = settings.get("client-ip.trusted-proxies");
      if (proxies != null) {
        for (String cidr : proxies.asList()) {
          problems.read(proxies, s -> cidr, this::trustedProxy);
        }
      }
      problems.read(settings.get("client-ip.trust-all-proxies"), Setting::asBoolean, this::trustAllProxies);
      problems.read(settings.get("client-ip.forwarded-header"), s -> ForwardedHeader.parse(s.value()),
          this::forwardedHeader);
      problems.read(settings.get("client-ip.ipv4-prefix-length"), Setting::asInt, this::ipv4PrefixLength);
      problems.read(settings.get("client-ip.ipv6-prefix-length"), Setting::asInt, this::ipv6PrefixLength);
      return this;
    }

    /**
     * Builds the resolver of {@link #settings}, or reports why it cannot be built.
     *
     * @param settings the limiter-wide settings
     * @param problems receives every problem, the refusal of trusting every address naming
     *     {@code client-ip.trusted-proxies}
     * @return the resolver, or null if there were problems
     */
    public @Nullable ClientIpResolver build(LimiterSettings settings, Problems problems) {
      int before = problems.size();
      settings(settings, problems);
      try {
        ClientIpResolver resolver = build(); // also with other problems, so that one listing has them all
        return problems.size() > before ? null : resolver;
      } catch (IllegalStateException e) {
        Setting proxies = settings.get("client-ip.trusted-proxies");
        problems.add((proxies == null ? settings.label("client-ip.trusted-proxies") : proxies.where()) + ": "
            + e.getMessage());
        return null;
      }
    }

    /**
     * @return the resolver
     * @throws IllegalStateException if the trusted networks together contain every IPv4 or every IPv6 address and
     *     {@link #trustAllProxies(boolean)} was not set
     */
    public ClientIpResolver build() {
      if (!trustAll) {
        refuseEveryAddress(6, 128);
        refuseEveryAddress(4, 32);
      }
      return new ClientIpResolver(this);
    }

    /**
     * Fails if the trusted networks of one family together hold every address of it. Judged on the union, since
     * {@code 0.0.0.0/1} and {@code 128.0.0.0/1} trust every client as surely as {@code 0.0.0.0/0} does.
     */
    private void refuseEveryAddress(int family, int bits) {
      List<Network> networks = new ArrayList<>();
      for (Network n : trusted) {
        if (n.address.bits() == bits) {
          networks.add(n);
        }
      }
      networks.sort(Comparator.comparing((Network n) -> n.address.toBigInteger()));
      BigInteger covered = BigInteger.ZERO; // every address below this one is trusted
      Set<String> sources = new LinkedHashSet<>();
      for (Network n : networks) {
        BigInteger first = n.address.toBigInteger();
        if (first.compareTo(covered) > 0) {
          return; // a gap: some address is not trusted
        }
        BigInteger end = first.add(BigInteger.ONE.shiftLeft(bits - n.prefix));
        covered = covered.max(end);
        sources.add(n.source);
      }
      if (covered.compareTo(BigInteger.ONE.shiftLeft(bits)) < 0) {
        return;
      }
      boolean viaV6 = family == 4 && sources.stream().anyMatch(t -> t.indexOf(':') >= 0);
      throw new IllegalStateException((sources.size() == 1 ? "trusted proxy " : "trusted proxies ")
          + sources.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(", "))
          + (sources.size() == 1 ? " contains" : " together contain") + " every IPv" + family + " address"
          + (viaV6 ? " (IPv6 forms such as ::ffff:192.0.2.1 and 64:ff9b::192.0.2.1 are IPv4 clients)" : "")
          + ", so any client could choose its own key with " + header.headerName() + "; list your proxies' "
          + "networks, or opt in with trust-all-proxies=true if the application is reachable through the proxies "
          + "only");
    }
  }
}
