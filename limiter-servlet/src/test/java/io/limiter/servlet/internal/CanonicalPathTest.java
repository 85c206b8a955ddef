package io.limiter.servlet.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CanonicalPathTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "/api/data, /api/data",
      "/api/data/, /api/data",
      "/api//data, /api/data",
      "//api///data//, /api/data",
      "/api/./data, /api/data",
      "/api/x/../data, /api/data",
      "/api/data;jsessionid=1, /api/data",
      "/api;v=2/data;x=1, /api/data",
      "/api/%64ata, /api/data",
      "/api%2Fdata, /api/data",
      "/api%2fdata, /api/data",
      "/api\\data, /api/data",
      "/api/%2e%2e/api/data, /api/data",
      "/api/.%2E/api/data, /api/data",
      "/../../api/data, /api/data",
      "'', /",
      "/, /",
      "/., /",
      "/a/.., /",
      "/caf%C3%A9, /café",
      "/bad%zz, /bad%zz",
      "/half%4, /half%4",
      "/%3B/x, /;/x",
      "api/data, /api/data"
  })
  void canonicalizes(String raw, String expected) {
    assertThat(CanonicalPath.of(raw, false)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"/API/Data, /api/data", "/Api/%44ATA/, /api/data"})
  void lowerCases(String raw, String expected) {
    assertThat(CanonicalPath.of(raw, true)).isEqualTo(expected);
    assertThat(CanonicalPath.of(raw, false)).isNotEqualTo(expected);
  }

  @ParameterizedTest(name = "{0} in {1} -> {2}")
  @CsvSource({
      "/app/api/data, /app, /api/data",
      "/app, /app, /",
      "/app/, /app, /",
      "//app//api/./data, /app, /api/data",
      "/api/data, '', /api/data",
      "/other/api, /app, ",
      "/application/x, /app, "
  })
  void removesTheContextPath(String uri, String context, String expected) {
    assertThat(CanonicalPath.withinContext(uri, context, false)).isEqualTo(expected);
  }
}
