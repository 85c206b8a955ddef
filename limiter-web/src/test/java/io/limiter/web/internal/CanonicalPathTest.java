package io.limiter.web.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.web.PathSpellings;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

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
      "/api/data, '', /api/data",
      "/%61pp/api/data, /%61pp, /api/data"
  })
  void removesTheContextPath(String uri, String context, String expected) {
    assertThat(CanonicalPath.spellings(uri, context, null, null, true).get(0)).isEqualTo(expected);
  }

  @Test
  void aReadingOutsideTheContextIsKeptWhole() {
    // no container routes /other/api into /app; kept whole, it can block an exemption but grant none
    assertThat(spellings("//app//api/./data")).contains("/api/data", "//app//api/data");
  }

  private static List<String> spellings(String uri) {
    PathSpellings s = CanonicalPath.spellings(uri, "/app", null, null, true);
    assertThat(s.refusal()).as("refusal of %s", uri).isNull();
    List<String> out = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      out.add(s.get(i));
    }
    return out;
  }

  @Test
  void aPlainPathHasOneSpelling() {
    assertThat(spellings("/app/api/data")).containsExactly("/api/data");
    assertThat(spellings("/app")).containsExactly("/");
    assertThat(spellings("/app/API/Data")).as("case is the matcher's business").containsExactly("/API/Data");
  }

  @Test
  void encodedSeparatorsAreReadBothWays() {
    // the escapes: a lenient container routes the literal segment to /files/*, another decodes it
    assertThat(spellings("/app/files/a%2F..%2F..%2Fzzz")).contains("/files/a%2F..%2F..%2Fzzz", "/zzz");
    assertThat(spellings("/app/files/x%5C..%5C..%5Chealth")).contains("/files/x%5C..%5C..%5Chealth", "/health");
    assertThat(spellings("/app/files/x\\..\\..\\health")).contains("/files/x\\..\\..\\health", "/health");
    // each kind of separator on its own: Tomcat passthrough splits at \ but keeps %5C
    assertThat(spellings("/app/a%5Cb\\c")).contains("/a%5Cb\\c", "/a%5Cb/c", "/a/b\\c", "/a/b/c");
  }

  @Test
  void doubleEncodedSeparatorsAreReadBothWays() {
    // containers decode once; an application decoding its path info again splits there
    assertThat(spellings("/app/api/%255Cdata")).contains("/api/%5Cdata", "/api/data");
    assertThat(spellings("/app/files/a%252F..%252F..%252Fzzz")).contains("/files/a%2F..%2F..%2Fzzz", "/zzz");
    assertThat(spellings("/app/api/%253xdata")).containsExactly("/api/%3xdata").as("no separator, no pair");
    assertThat(CanonicalPath.of("/api/%252Fdata", false)).isEqualTo("/api/%2Fdata");
  }

  @Test
  void emptySegmentsAndTrailingSlashesAreReadBothWays() {
    assertThat(spellings("/app//health")).contains("/health", "//health");
    assertThat(spellings("/app/health/")).containsExactlyInAnyOrder("/health", "/health/");
    assertThat(spellings("/app/api/data/.")).containsExactlyInAnyOrder("/api/data", "/api/data/");
    assertThat(spellings("/app/api/x/..;/data")).containsExactlyInAnyOrder("/api/data");
  }

  @Test
  void theContainersOwnReadingIsASpellingToo() {
    PathSpellings s = CanonicalPath.spellings("/app/api/%u0064ata", "/app", "/api", "/data", false);
    assertThat(s.refusal()).isNull();
    List<String> all = new ArrayList<>();
    for (int i = 0; i < s.size(); i++) {
      all.add(s.get(i));
    }
    assertThat(all).contains("/api/%u0064ata", "/api/data");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/app/api/data%00", "/app/api/data%09", "/app/api/%C0%AE%C0%AE/data", "/app/api/%E0%80%AE",
      "/app/api/data%ff", "/app/api/%ED%A0%80", "/app/api/%u0064ata", "/app/api/%zz", "/app/api/data%4", "/app/a%",
      "/app/a%C3", "/app/%C3%2F%A9"})
  void refusesWhatCannotBeReadWithConfidence(String uri) {
    assertThat(CanonicalPath.spellings(uri, "/app", null, null, true).refusal()).isNotNull();
    // a path the application wrote (a forward) is read leniently instead
    assertThat(CanonicalPath.spellings(uri, "/app", null, null, false).size()).isPositive();
  }

  @Test
  void boundsTheWorkALongAmbiguousPathCanAskFor() {
    String segments = "/a%2Fb%5Cc\\d%252Fe".repeat(110); // 1980 characters, every kind of soft separator
    assertThat(CanonicalPath.spellings("/app" + segments, "/app", null, null, true).size()).isEqualTo(16);
    assertThat(CanonicalPath.spellings("/app" + segments + segments, "/app", null, null, true).refusal())
        .contains("longer than 2048");
    assertThat(CanonicalPath.spellings("/app" + "/abcdefgh".repeat(800), "/app", null, null, true).size())
        .isEqualTo(1);
    assertThat(CanonicalPath.spellings("/app" + "/abc%41efgh".repeat(700), "/app", null, null, true).refusal())
        .isNull();
    assertThat(CanonicalPath.spellings("/app" + "/abc%41efgh".repeat(800), "/app", null, null, true).refusal())
        .contains("longer than 8192");
  }

  @Test
  void exemptOnlyWhenEverySpellingIs() {
    List<PathPattern> health = List.of(PathPattern.compile("/health", true));
    assertThat(PathPattern.allMatch(CanonicalPath.spellings("/app/health", "/app", null, null, true), health))
        .isTrue();
    assertThat(PathPattern.allMatch(CanonicalPath.spellings("/app/health;v=1", "/app", "/health", null, true),
        health)).isTrue();
    assertThat(PathPattern.allMatch(CanonicalPath.spellings("/app/files/x%5C..%5C..%5Chealth", "/app", null, null,
        true), health)).isFalse();
    assertThat(PathPattern.allMatch(CanonicalPath.spellings("/app/health/", "/app", null, null, true), health))
        .isFalse();
    assertThat(PathPattern.allMatch(CanonicalPath.spellings("/app/health", "/app", null, null, true), List.of()))
        .isFalse();
  }
}
