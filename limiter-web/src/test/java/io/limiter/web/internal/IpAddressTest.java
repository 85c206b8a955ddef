package io.limiter.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "192.0.2.1, 192.0.2.1",
      "0.0.0.0, 0.0.0.0",
      "255.255.255.255, 255.255.255.255",
      "2001:db8::1, 2001:db8::1",
      "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
      "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
      "::, ::",
      "::1, ::1",
      "1::, 1::",
      "fe80::1%eth0, fe80::1",
      "::ffff:192.0.2.1, 192.0.2.1",
      "::FFFF:c000:0201, 192.0.2.1",
      "0:0:0:0:0:ffff:192.0.2.1, 192.0.2.1",
      "64:ff9b::192.0.2.33, 192.0.2.33",
      "64:ff9b::c000:221, 192.0.2.33",
      "::192.0.2.33, 192.0.2.33",
      "::c000:221, 192.0.2.33",
      "::0.1.2.3, ::1:203",
      "::ff:1, ::ff:1",
      "64:ff9b:1::c000:221, 64:ff9b:1::c000:221",
      "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
      "1:0:3:4:5:6:7:8, 1:0:3:4:5:6:7:8"
  })
  void parsesAndFormatsCanonically(String text, String canonical) {
    assertThat(IpAddress.parse(text)).hasToString(canonical);
  }

  @ParameterizedTest
  @ValueSource(strings = {"192.0.2.1", "0.0.0.0", "255.255.255.255", "10.0.0.10", "1.2.3.4"})
  void v4LiteralsAreTheirOwnCanonicalText(String text) {
    assertThat(IpAddress.isV4Literal(text)).isTrue();
    assertThat(IpAddress.parse(text)).hasToString(text);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1..2.3", " 1.2.3.4",
      "1.2.3.4 ", "1.2.3.4:80", "::1", "::ffff:1.2.3.4", "1.2.3.1000", "١.٢.٣.٤", "localhost"})
  void otherTextIsNoV4Literal(String text) {
    assertThat(IpAddress.isV4Literal(text)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "localhost", "example.com", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.-4",
      "1..2.3", ":::", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::1", ":1::", "1:", "1.2.3.4:", "::1.2.3",
      "1:2:3:4:5:6:7:1.2.3.4", "[::1]", " 1.2.3.4", "١.٢.٣.٤"})
  void rejectsWhatIsNotALiteral(String text) {
    assertThat(IpAddress.parse(text)).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "192.0.2.1:8080, 192.0.2.1",
      "'[2001:db8::1]:4711', 2001:db8::1",
      "[2001:db8::1], 2001:db8::1",
      "'\"[2001:db8::1]:4711\"', 2001:db8::1",
      "' 198.51.100.7 ', 198.51.100.7",
      "2001:db8::1, 2001:db8::1"
  })
  void parsesHops(String hop, String expected) {
    assertThat(IpAddress.parseHop(hop)).hasToString(expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"unknown", "_hidden", "", "1.2.3.4:99999", "1.2.3.4:x", "[::1", "[::1]x", "\"\""})
  void rejectsMalformedHops(String hop) {
    assertThat(IpAddress.parseHop(hop)).isNull();
  }

  @ParameterizedTest(name = "{0}/{1} -> {2}")
  @CsvSource({"192.0.2.77, 24, 192.0.2.0", "2001:db8:1:2:3:4:5:6, 64, 2001:db8:1:2::", "2001:db8::ff, 127, 2001:db8::fe",
      "10.1.2.3, 0, 0.0.0.0", "10.1.2.3, 32, 10.1.2.3", "10.255.2.3, 9, 10.128.0.0"})
  void masks(String address, int prefix, String expected) {
    assertThat(IpAddress.parse(address).masked(prefix)).hasToString(expected);
  }
}
