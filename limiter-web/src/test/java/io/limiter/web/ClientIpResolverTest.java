package io.limiter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ClientIpResolverTest {

  private final ClientIpResolver behindProxies = ClientIpResolver.builder()
      .trustedProxies("10.0.0.0/8", "192.168.1.1", "fd00::/8").build();

  private static String resolve(ClientIpResolver r, String peer, String... headerValues) {
    return r.resolve(peer, List.of(headerValues));
  }

  @Test
  void untrustedPeerIsTheClientWhateverItsHeaderSays() {
    assertThat(resolve(behindProxies, "203.0.113.9", "1.1.1.1")).isEqualTo("203.0.113.9");
    assertThat(resolve(ClientIpResolver.peerOnly(), "10.0.0.1", "1.1.1.1")).isEqualTo("10.0.0.1");
  }

  @Test
  void peerOnlyDoesNotEvenReadTheHeader() {
    FakeRequest request = new FakeRequest();
    request.peer("198.51.100.4");
    assertThat(ClientIpResolver.peerOnly().resolve(request)).isEqualTo("198.51.100.4");
    assertThat(request.headersRead()).doesNotContain("x-forwarded-for", "forwarded");
  }

  @Test
  void anUntrustedPeersHeaderIsNeverRead() {
    FakeRequest request = new FakeRequest();
    request.peer("203.0.113.9");
    assertThat(behindProxies.resolve(request)).isEqualTo("203.0.113.9");
    assertThat(request.headersRead()).doesNotContain("x-forwarded-for", "forwarded");
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "198.51.100.7 | 198.51.100.7",
      "198.51.100.7 | 6.6.6.6, 198.51.100.7",
      "198.51.100.7 | 6.6.6.6, 198.51.100.7, 10.1.1.1",
      "198.51.100.7 | 6.6.6.6, 198.51.100.7, 192.168.1.1, 10.1.1.1",
      "198.51.100.7 | 198.51.100.7:5555, 10.1.1.1",
      "10.9.9.9     | 10.9.9.9, 10.1.1.1",
      "203.0.113.5  | ::ffff:203.0.113.5",
      "2001:db8:1:2::/64 | '[2001:db8:1:2:aaaa::1]:443, fd00::1'",
  })
  void walksATrustedChainRightToLeft(String expected, String xff) {
    assertThat(resolve(behindProxies, "10.0.0.1", xff)).isEqualTo(expected);
  }

  @Test
  void readsSeveralHeaderLinesInOrder() {
    assertThat(resolve(behindProxies, "10.0.0.1", "6.6.6.6, 198.51.100.7", "10.2.2.2")).isEqualTo("198.51.100.7");
  }

  @ParameterizedTest
  @ValueSource(strings = {"unknown", "1.2.3.4, evil.example", "1.2.3.4,,10.1.1.1", "not an ip", "", "1.2.3.4, "})
  void malformedHopFallsBackToThePeer(String xff) {
    assertThat(resolve(behindProxies, "10.0.0.1", xff)).isEqualTo("10.0.0.1");
  }

  @Test
  void examinesAtMostOneHundredHops() {
    String trustedHops = IntStream.range(0, 150).mapToObj(i -> "10.0." + (i / 250) + "." + (i % 250 + 1))
        .collect(Collectors.joining(", "));
    // 150 trusted hops after the client: the walk stops at the 100th hop from the right, a trusted proxy
    assertThat(resolve(behindProxies, "10.0.0.1", "198.51.100.7, " + trustedHops)).isEqualTo("10.0.0.51");
  }

  @Test
  void readsRfc7239Forwarded() {
    ClientIpResolver r = ClientIpResolver.builder().trustedProxies("10.0.0.0/8")
        .forwardedHeader(ForwardedHeader.FORWARDED).build();
    assertThat(resolve(r, "10.0.0.1", "for=6.6.6.6, for=198.51.100.7;proto=https;by=10.0.0.1, for=10.3.3.3"))
        .isEqualTo("198.51.100.7");
    assertThat(resolve(r, "10.0.0.1", "for=\"[2001:db8:cafe::17]:4711\"")).isEqualTo("2001:db8:cafe::/64");
    assertThat(resolve(r, "10.0.0.1", "For=\"198.51.100.9:80\";host=\"a,b\"")).isEqualTo("198.51.100.9");
    assertThat(resolve(r, "10.0.0.1", "for=unknown")).isEqualTo("10.0.0.1");
    assertThat(resolve(r, "10.0.0.1", "for=_hidden, for=198.51.100.7")).isEqualTo("198.51.100.7");
    assertThat(resolve(r, "10.0.0.1", "proto=https")).isEqualTo("10.0.0.1");
  }

  @Test
  void keysIpv6ByConfiguredPrefix() {
    assertThat(resolve(ClientIpResolver.peerOnly(), "2001:db8:1:2:3:4:5:6")).isEqualTo("2001:db8:1:2::/64");
    ClientIpResolver full = ClientIpResolver.builder().ipv6PrefixLength(128).build();
    assertThat(resolve(full, "2001:db8:1:2:3:4:5:6")).isEqualTo("2001:db8:1:2:3:4:5:6");
    ClientIpResolver v4Net = ClientIpResolver.builder().ipv4PrefixLength(24).build();
    assertThat(resolve(v4Net, "192.0.2.77")).isEqualTo("192.0.2.0/24");
  }

  @Test
  void normalizesMappedAndZonedPeers() {
    assertThat(resolve(ClientIpResolver.peerOnly(), "::ffff:192.0.2.1")).isEqualTo("192.0.2.1");
    assertThat(resolve(ClientIpResolver.peerOnly(), "0:0:0:0:0:0:0:1")).isEqualTo("::/64");
    assertThat(resolve(ClientIpResolver.builder().ipv6PrefixLength(128).build(), "fe80::1%lo")).isEqualTo("fe80::1");
  }

  @Test
  void aPeerThatIsNoAddressIsKeyedByItsTextAndABlankOneIsMissing() {
    assertThat(resolve(ClientIpResolver.peerOnly(), "unix:/tmp/sock")).isEqualTo("unix:/tmp/sock");
    assertThat(resolve(ClientIpResolver.peerOnly(), " ")).isNull();
  }

  @Test
  void trustingEveryAddressNeedsTheOptIn() {
    assertThatThrownBy(() -> ClientIpResolver.builder().trustedProxies("0.0.0.0/0").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("0.0.0.0/0")
        .hasMessageContaining("trust-all-proxies");
    assertThatThrownBy(() -> ClientIpResolver.builder().trustedProxies("::/0").build())
        .isInstanceOf(IllegalStateException.class);
    ClientIpResolver all = ClientIpResolver.builder().trustedProxies("0.0.0.0/0").trustAllProxies(true).build();
    assertThat(resolve(all, "203.0.113.1", "198.51.100.7")).isEqualTo("198.51.100.7");
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.0/33", "10.0.0.0/-1", "10.0.0.0/x", "fd00::/129", "proxy.local", "10.0.0/8", ""})
  void rejectsMalformedProxies(String cidr) {
    assertThatThrownBy(() -> ClientIpResolver.builder().trustedProxy(cidr))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(cidr);
  }

  @Test
  void acceptsMappedNetworks() {
    ClientIpResolver r = ClientIpResolver.builder().trustedProxies("::ffff:10.0.0.0/104").build();
    assertThat(resolve(r, "10.200.0.1", "198.51.100.7")).isEqualTo("198.51.100.7");
  }

  @ParameterizedTest(name = "peer {0}")
  @ValueSource(strings = {"[2001:db8:1:2:0:0:0:1]", "[2001:db8:1:2::7]", "2001:db8:1:2::7", "[2001:db8:1:2::7]:443",
      "[2001:db8:1:2::7%25eth0]", "2001:db8:1:2::7%eth0", "[2001:DB8:1:2:ffff::]", " [2001:db8:1:2::9] "})
  void everyContainerSpellingOfAnIpv6PeerIsKeyedByItsNetwork(String peer) {
    // Jetty 12 reports IPv6 peers in brackets, Tomcat without: both must land in the client's /64
    assertThat(resolve(ClientIpResolver.peerOnly(), peer)).isEqualTo("2001:db8:1:2::/64");
  }

  @ParameterizedTest(name = "proxy peer {0}")
  @ValueSource(strings = {"[::1]", "::1", "0:0:0:0:0:0:0:1", "[0:0:0:0:0:0:0:1]", "[::1]:8080"})
  void aBracketedIpv6ProxyIsRecognisedAsTrusted(String peer) {
    ClientIpResolver r = ClientIpResolver.builder().trustedProxies("::1/128").build();
    assertThat(resolve(r, peer, "2001:db8:1:2::5")).isEqualTo("2001:db8:1:2::/64");
    assertThat(resolve(r, peer, "198.51.100.7")).isEqualTo("198.51.100.7");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"[::1], ::1", "[::1]/128, [::1]", "[fd00::]/8, fd00::7", "fe80::1%eth0, [fe80::1%25eth1]"})
  void trustedProxiesMayBeWrittenInBrackets(String cidr, String peer) {
    ClientIpResolver r = ClientIpResolver.builder().trustedProxies(cidr).build();
    assertThat(resolve(r, peer, "198.51.100.7")).isEqualTo("198.51.100.7");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"198.51.100.7", "::ffff:198.51.100.7", "[::ffff:c633:6407]", "64:ff9b::198.51.100.7",
      "[64:ff9b::c633:6407]:80", "::198.51.100.7", "[::c633:6407]", "64:FF9B:0:0:0:0:C633:6407"})
  void embeddedIpv4FormsAreKeyedByTheirIpv4Address(String spelling) {
    assertThat(resolve(ClientIpResolver.peerOnly(), spelling)).isEqualTo("198.51.100.7");
    assertThat(resolve(behindProxies, "10.0.0.1", spelling)).isEqualTo("198.51.100.7");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"2002:c633:6407::1", "2002:c633:6407:1::1", "[2002:c633:6407:ffff::2]:443",
      "2002:c633:6407:abcd:1:2:3:4"})
  void sixToFourClientsAreKeyedByTheirIpv4HostNotBy64(String spelling) {
    // one IPv4 host owns 2002:c633:6407::/48 (65,536 /64s): every one of them is the same client
    assertThat(resolve(ClientIpResolver.peerOnly(), spelling)).isEqualTo("198.51.100.7");
    assertThat(resolve(behindProxies, "10.0.0.1", spelling)).isEqualTo("198.51.100.7");
  }

  @Test
  void teredoClientsOfOneServerGetTheirOwnKeys() {
    // Teredo server 192.0.2.1 (c000:0201), clients 198.51.100.7 and 203.0.113.9, their IPv4 inverted in the last bits
    String first = resolve(ClientIpResolver.peerOnly(), "2001:0:c000:201:0:f227:39cc:9bf8");
    String second = resolve(ClientIpResolver.peerOnly(), "2001:0:c000:201:0:f227:34ff:8ef6");
    assertThat(first).isEqualTo("198.51.100.7");
    assertThat(second).isEqualTo("203.0.113.9");
  }

  @Test
  void embeddedIpv4ProxiesAreTrustedAsTheirIpv4Address() {
    // a proxy reached through NAT64 or as an IPv4-mapped address is the same proxy
    assertThat(resolve(behindProxies, "64:ff9b::10.1.2.3", "198.51.100.7")).isEqualTo("198.51.100.7");
    assertThat(resolve(behindProxies, "[::ffff:10.1.2.3]", "198.51.100.7")).isEqualTo("198.51.100.7");
    ClientIpResolver nat64 = ClientIpResolver.builder().trustedProxies("64:ff9b::10.0.0.0/104").build();
    assertThat(resolve(nat64, "10.9.9.9", "198.51.100.7")).isEqualTo("198.51.100.7");
    assertThat(resolve(nat64, "11.0.0.1", "198.51.100.7")).isEqualTo("11.0.0.1");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "'0.0.0.0/1, 128.0.0.0/1', IPv4",
      "'::/1, 8000::/1', IPv6",
      "'0.0.0.0/2, 64.0.0.0/2, 10.0.0.0/8, 128.0.0.0/2, 192.0.0.0/3, 224.0.0.0/3', IPv4",
      "'::ffff:0:0/96', IPv4",
      "'64:ff9b::/96', IPv4",
      "'::/80', IPv4",
      "'0.0.0.0/0', IPv4"
  })
  void theTrustAllGuardJudgesTheUnionOfTrustedRanges(String cidrs, String family) {
    String[] list = cidrs.split(",\\s*");
    assertThatThrownBy(() -> ClientIpResolver.builder().trustedProxies(list).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("every " + family + " address")
        .hasMessageContaining(list[0]).hasMessageContaining("trust-all-proxies");
    assertThat(ClientIpResolver.builder().trustedProxies(list).trustAllProxies(true).build().trustedProxies())
        .hasSize(list.length);
  }

  @Test
  void rangesThatLeaveAddressesOutAreNoTrustAll() {
    ClientIpResolver.builder().trustedProxies("0.0.0.0/1", "128.0.0.0/2", "192.0.0.0/3", "224.0.0.0/4",
        "240.0.0.0/5", "248.0.0.0/6", "252.0.0.0/7", "254.0.0.0/8", "255.0.0.0/9").build();
    ClientIpResolver.builder().trustedProxies("2000::/3", "8000::/2", "c000::/3", "fc00::/7").build();
    ClientIpResolver.builder().trustedProxies("::1/128", "::/127", "64:ff9b::10.0.0.0/104").build();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"for=6.6.6.6;for=198.51.100.7", "for=198.51.100.7;FOR=6.6.6.6",
      "for=198.51.100.7;proto=https;For=\"[2001:db8::1]\"", "for=198.51.100.8, for=198.51.100.7;for=6.6.6.6"})
  void aForwardedElementWithTwoForParametersIsMalformed(String value) {
    ClientIpResolver r = ClientIpResolver.builder().trustedProxies("10.0.0.0/8")
        .forwardedHeader(ForwardedHeader.FORWARDED).build();
    assertThat(resolve(r, "10.0.0.1", value)).isEqualTo("10.0.0.1");
  }

  /**
   * A client's unterminated quote must not swallow the element its proxy appends: a proxy that adds to the client's
   * Forwarded value ({@code <client's>, for=<peer>}) would otherwise leave one malformed element, and every such client
   * would fall back to the proxy's own key (where the proxy's health checks live) instead of its own.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"for=\"6.6.6.6", "for=6.6.6.6;by=\"x", "for=\"a\\", "\"", "for=\"\\\"\\\"\\\""})
  void aClientsUnterminatedQuoteDoesNotSwallowTheProxysElement(String clientPart) {
    ClientIpResolver r = ClientIpResolver.builder().trustedProxies("10.0.0.0/8")
        .forwardedHeader(ForwardedHeader.FORWARDED).build();
    assertThat(resolve(r, "10.0.0.1", clientPart + ", for=198.51.100.7")).isEqualTo("198.51.100.7");
    assertThat(resolve(r, "10.0.0.1", clientPart + ", for=198.51.100.7, for=10.2.2.2")).isEqualTo("198.51.100.7");
    assertThat(resolve(r, "10.0.0.1", clientPart + ", for=\"[2001:db8:1:2::1]:443\"")).isEqualTo("2001:db8:1:2::/64");
    assertThat(resolve(r, "10.0.0.1", clientPart + ", for=\"[2001:db8:1:2::1]\";by=\"[fd00::1]\", for=10.2.2.2"))
        .isEqualTo("2001:db8:1:2::/64");
  }
}
