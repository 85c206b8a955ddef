package io.limiter.web.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An IPv4 or IPv6 address parsed from its literal text without any name lookup ({@code InetAddress.getByName} would
 * resolve host names, so a header could make the server query DNS). IPv6 zone ids ({@code %eth0}) are dropped.
 *
 * <p>An IPv6 address that only carries an IPv4 host becomes that IPv4 address, so one host has one identity however
 * it reaches the server: IPv4-mapped ({@code ::ffff:192.0.2.1}), the NAT64 well-known prefix
 * ({@code 64:ff9b::192.0.2.1}, RFC 6052) and IPv4-compatible ({@code ::192.0.2.1}, whose first IPv4 octet is not 0:
 * {@code ::} and {@code ::1} stay IPv6). Keyed as IPv6, every IPv4 client behind a NAT64 gateway would share one /64.
 * Immutable.
 */
public final class IpAddress {

  private final byte[] bytes;

  private IpAddress(byte[] bytes) {
    this.bytes = bytes;
  }

  /** @return true for IPv4, false for IPv6 */
  public boolean isV4() {
    return bytes.length == 4;
  }

  /** @return the number of address bits: 32 or 128 */
  public int bits() {
    return bytes.length * 8;
  }

  /**
   * Parses an address literal.
   *
   * @param text e.g. {@code 192.0.2.1}, {@code 2001:db8::1}, {@code ::ffff:192.0.2.1}, {@code fe80::1%eth0}
   * @return the address, or null if {@code text} is not exactly an address literal
   */
  public static @Nullable IpAddress parse(String text) {
    IpAddress raw = parseRaw(text);
    return raw == null ? null : raw.withEmbeddedV4();
  }

  /**
   * Parses an address literal as written, without turning an IPv6 address that embeds an IPv4 one into IPv4: for
   * networks in configuration, whose prefix length counts the IPv6 bits.
   *
   * @param text the literal
   * @return the address, or null if {@code text} is not exactly an address literal
   */
  public static @Nullable IpAddress parseRaw(String text) {
    if (text == null || text.isEmpty() || text.length() > 64) {
      return null;
    }
    if (text.indexOf(':') < 0) {
      byte[] v4 = parseV4(text, 0, text.length());
      return v4 == null ? null : new IpAddress(v4);
    }
    int zone = text.indexOf('%');
    byte[] v6 = parseV6(zone < 0 ? text : text.substring(0, zone));
    return v6 == null ? null : new IpAddress(v6);
  }

  /**
   * Parses an address as a container or a configuration may spell it: a literal, IPv6 optionally in brackets
   * ({@code [::1]}, as Jetty reports IPv6 peers), with an optional zone id ({@code %eth0}, or {@code %25eth0} as in
   * URIs). No port.
   *
   * @param text the text
   * @return the address (embedded IPv4 as IPv4, like {@link #parse}), or null if it is none
   */
  public static @Nullable IpAddress parseLiteral(String text) {
    String t = text.trim();
    if (t.length() >= 2 && t.charAt(0) == '[' && t.charAt(t.length() - 1) == ']') {
      t = t.substring(1, t.length() - 1);
      if (t.indexOf(':') < 0) {
        return null; // brackets are for IPv6 only
      }
    }
    return parse(t);
  }

  /**
   * Parses the socket peer's address as any container reports it: Jetty 12 puts IPv6 peers in brackets
   * ({@code [2001:db8::1]}), Tomcat does not ({@code 2001:db8:0:0:0:0:0:1}); a port or zone id is tolerated.
   *
   * @param text {@code getRemoteAddr()}
   * @return the address, or null if it is none (e.g. a Unix domain socket)
   */
  public static @Nullable IpAddress parsePeer(String text) {
    IpAddress literal = parseLiteral(text);
    return literal != null ? literal : parseHop(text);
  }

  /** The IPv4 address this IPv6 address carries (mapped, NAT64 or compatible), else this address. */
  IpAddress withEmbeddedV4() {
    return embedsV4(bytes) ? new IpAddress(Arrays.copyOfRange(bytes, 12, 16)) : this;
  }

  /**
   * The IPv4 host a transition address stands for, for keying only (never for trust): 6to4 ({@code 2002:AABB:CCDD::/48},
   * RFC 3056: one IPv4 host owns 65,536 /64s, so keying by /64 would let it rotate past a per-client limit) and Teredo
   * ({@code 2001:0::/32}, RFC 4380: the client's public IPv4 in the last 32 bits, inverted; all clients of one Teredo
   * server share a /64, so keying by /64 would put them in one bucket).
   *
   * @return the IPv4 address, or null for any other address
   */
  public @Nullable IpAddress transitionV4() {
    if (bytes.length != 16) {
      return null;
    }
    if (bytes[0] == 0x20 && bytes[1] == 0x02) {
      return new IpAddress(Arrays.copyOfRange(bytes, 2, 6));
    }
    if (bytes[0] == 0x20 && bytes[1] == 0x01 && bytes[2] == 0 && bytes[3] == 0) {
      byte[] v4 = Arrays.copyOfRange(bytes, 12, 16);
      for (int i = 0; i < 4; i++) {
        v4[i] = (byte) ~v4[i];
      }
      return new IpAddress(v4);
    }
    return null;
  }

  /** The /96 prefixes whose IPv6 addresses carry an IPv4 address in their last 32 bits. */
  private static final byte[][] EMBEDDING_PREFIXES = {
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff}, // ::ffff:0:0/96, IPv4-mapped
      {0, 0x64, (byte) 0xff, (byte) 0x9b, 0, 0, 0, 0, 0, 0, 0, 0}, // 64:ff9b::/96, NAT64 well-known prefix
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // ::/96, IPv4-compatible (first IPv4 octet not 0)
  };

  /** Whether 16 address bytes lie in one of the {@link #EMBEDDING_PREFIXES}. */
  private static boolean embedsV4(byte[] v6) {
    if (v6.length != 16) {
      return false;
    }
    for (int p = 0; p < EMBEDDING_PREFIXES.length; p++) {
      if (Arrays.equals(v6, 0, 12, EMBEDDING_PREFIXES[p], 0, 12)) {
        // ::/96 holds :: and ::1 too; 0.0.0.0/8 is no host's IPv4 address, so those stay IPv6
        return p != 2 || v6[12] != 0;
      }
    }
    return false;
  }

  /**
   * The IPv4 networks whose addresses this IPv6 network contains in embedded form (see {@link #parse}): for a trusted
   * network in configuration, which must trust the same hosts however they are spelled.
   *
   * @param prefixLength this network's prefix length, 0 to 128
   * @return pairs of IPv4 network and prefix length; empty for an IPv4 network or one that embeds none
   */
  public List<Map.Entry<IpAddress, Integer>> embeddedV4Networks(int prefixLength) {
    List<Map.Entry<IpAddress, Integer>> out = new ArrayList<>(1);
    if (isV4()) {
      return out;
    }
    IpAddress network = masked(prefixLength);
    for (int p = 0; p < EMBEDDING_PREFIXES.length; p++) {
      byte[] prefix = Arrays.copyOf(EMBEDDING_PREFIXES[p], 16);
      if (prefixLength <= 96) {
        if (new IpAddress(prefix).isIn(network, prefixLength)) {
          out.add(Map.entry(new IpAddress(new byte[4]), 0));
        }
      } else if (Arrays.equals(network.bytes, 0, 12, prefix, 0, 12)) {
        IpAddress v4 = new IpAddress(Arrays.copyOfRange(network.bytes, 12, 16));
        int v4Prefix = prefixLength - 96;
        if (p != 2 || v4.bytes[0] != 0 || v4Prefix < 8) {
          out.add(Map.entry(v4, v4Prefix));
        }
      }
    }
    return out;
  }

  /**
   * Parses one hop of a forwarding header: an address with an optional port, IPv6 optionally in brackets
   * ({@code [2001:db8::1]:8080}), optionally in double quotes (RFC 7239).
   *
   * @param hop the hop text
   * @return the address, or null if the hop is not an address (e.g. {@code unknown}, {@code _hidden}, garbage)
   */
  public static @Nullable IpAddress parseHop(String hop) {
    String h = hop.trim();
    if (h.length() >= 2 && h.charAt(0) == '"' && h.charAt(h.length() - 1) == '"') {
      h = h.substring(1, h.length() - 1).trim();
    }
    if (h.isEmpty()) {
      return null;
    }
    if (h.charAt(0) == '[') {
      int close = h.indexOf(']');
      if (close < 0) {
        return null;
      }
      String rest = h.substring(close + 1);
      if (!rest.isEmpty() && !isPort(rest)) {
        return null;
      }
      return parse(h.substring(1, close));
    }
    int colon = h.indexOf(':');
    if (colon >= 0 && colon == h.lastIndexOf(':')) {
      // exactly one colon: IPv4 with a port
      if (!isPort(h.substring(colon))) {
        return null;
      }
      h = h.substring(0, colon);
      return h.indexOf(':') < 0 ? parse(h) : null;
    }
    return parse(h);
  }

  private static boolean isPort(String s) {
    if (s.length() < 2 || s.length() > 6 || s.charAt(0) != ':') {
      return false;
    }
    for (int i = 1; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return Integer.parseInt(s.substring(1)) <= 65535;
  }

  /**
   * Returns whether {@code text} is exactly an IPv4 dotted quad, which {@link #parse} accepts only in canonical form
   * (no leading zeros, no spaces): then {@code parse(text).toString()} equals {@code text}, and a caller keying by
   * the whole address can use the text as it is, without parsing it into an object and formatting it again.
   *
   * @param text the text
   * @return whether it is an IPv4 literal
   */
  public static boolean isV4Literal(String text) {
    return text != null && text.length() >= 7 && text.length() <= 15 && parseV4(text, 0, text.length(), null);
  }

  private static byte @Nullable [] parseV4(String s, int from, int to) {
    byte[] out = new byte[4];
    return parseV4(s, from, to, out) ? out : null;
  }

  /**
   * Parses a strict dotted quad into {@code out} (or only checks it, if {@code out} is null): four decimal parts
   * 0-255 without leading zeros (which some parsers read as octal). False if {@code s[from, to)} is none.
   */
  private static boolean parseV4(String s, int from, int to, byte @Nullable [] out) {
    int part = 0;
    int i = from;
    while (part < 4) {
      int start = i;
      int value = 0;
      while (i < to && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        value = value * 10 + (s.charAt(i) - '0');
        i++;
      }
      int len = i - start;
      if (len == 0 || value > 255 || (len > 1 && s.charAt(start) == '0')) {
        return false;
      }
      if (out != null) {
        out[part] = (byte) value;
      }
      part++;
      if (part < 4) {
        if (i >= to || s.charAt(i) != '.') {
          return false;
        }
        i++;
      }
    }
    return i == to;
  }

  private static byte @Nullable [] parseV6(String s) {
    int lastColon = s.lastIndexOf(':');
    byte[] v4 = null;
    String hex = s;
    if (s.indexOf('.', lastColon) >= 0) {
      // an embedded IPv4 address takes the place of the last two groups
      v4 = parseV4(s, lastColon + 1, s.length());
      if (v4 == null) {
        return null;
      }
      hex = lastColon > 0 && s.charAt(lastColon - 1) == ':' ? s.substring(0, lastColon + 1) : s.substring(0, lastColon);
    }
    int maxGroups = v4 == null ? 8 : 6;
    int doubleColon = hex.indexOf("::");
    int[] head;
    int[] tail;
    if (doubleColon < 0) {
      head = groups(hex);
      tail = new int[0];
      if (head == null || head.length != maxGroups) {
        return null;
      }
    } else {
      if (hex.indexOf("::", doubleColon + 1) >= 0) {
        return null;
      }
      head = groups(hex.substring(0, doubleColon));
      tail = groups(hex.substring(doubleColon + 2));
      if (head == null || tail == null || head.length + tail.length > maxGroups - 1) {
        return null;
      }
    }
    byte[] out = new byte[16];
    for (int g = 0; g < head.length; g++) {
      out[2 * g] = (byte) (head[g] >> 8);
      out[2 * g + 1] = (byte) head[g];
    }
    int tailStart = maxGroups - tail.length;
    for (int g = 0; g < tail.length; g++) {
      out[2 * (tailStart + g)] = (byte) (tail[g] >> 8);
      out[2 * (tailStart + g) + 1] = (byte) tail[g];
    }
    if (v4 != null) {
      System.arraycopy(v4, 0, out, 12, 4);
    }
    return out;
  }

  /** Parses colon-separated groups of 1-4 hex digits; "" is no group; null if any group is malformed. */
  private static int @Nullable [] groups(String part) {
    if (part.isEmpty()) {
      return new int[0];
    }
    String[] texts = part.split(":", -1);
    if (texts.length > 8) {
      return null;
    }
    int[] values = new int[texts.length];
    for (int i = 0; i < texts.length; i++) {
      String g = texts[i];
      if (g.isEmpty() || g.length() > 4) {
        return null;
      }
      int v = 0;
      for (int k = 0; k < g.length(); k++) {
        int d = Character.digit(g.charAt(k), 16);
        if (d < 0 || g.charAt(k) > 'f') {
          return null;
        }
        v = v * 16 + d;
      }
      values[i] = v;
    }
    return values;
  }

  /**
   * @param prefixLength bits to keep, 0 to {@link #bits()}
   * @return this address with all bits after the prefix cleared
   */
  public IpAddress masked(int prefixLength) {
    if (prefixLength >= bits()) {
      return this;
    }
    byte[] out = bytes.clone();
    for (int i = 0; i < out.length; i++) {
      int keep = Math.max(0, Math.min(8, prefixLength - 8 * i));
      out[i] = (byte) (out[i] & (0xff00 >> keep));
    }
    return new IpAddress(out);
  }

  /**
   * @param network a network address
   * @param prefixLength its prefix length
   * @return whether this address lies in the network (always false across address families)
   */
  public boolean isIn(IpAddress network, int prefixLength) {
    return bytes.length == network.bytes.length && Arrays.equals(masked(prefixLength).bytes, network.bytes);
  }

  /** @return the address as an unsigned number, for range arithmetic in configuration */
  public BigInteger toBigInteger() {
    return new BigInteger(1, bytes);
  }

  /** @return the canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as {@code ::}) */
  @Override
  public String toString() {
    if (isV4()) {
      return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
    }
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      if (g[i] != 0) {
        i++;
        continue;
      }
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    }
    StringBuilder sb = new StringBuilder(39);
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        sb.append("::");
        i += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(g[i]));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof IpAddress other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }
}
