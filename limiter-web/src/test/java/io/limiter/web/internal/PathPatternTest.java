package io.limiter.web.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class PathPatternTest {

  @ParameterizedTest(name = "{0} ~ {1} = {2}")
  @CsvSource({
      "/api/data, /api/data, true",
      "/api/data, /api/data/x, false",
      "/api/data, /api, false",
      "/api/*, /api, true",
      "/api/*, /api/data, true",
      "/api/*, /api/data/x, true",
      "/api/*, /apix, false",
      "/*, /anything/at/all, true",
      "/**, /, true",
      "*.json, /a/b.json, true",
      "*.json, /b.json/x, false",
      "*.json, /a/bjson, false",
      "/users/*/orders, /users/42/orders, true",
      "/users/*/orders, /users/42/43/orders, false",
      "/users/*/orders, /users/orders, false",
      "/api/**/export, /api/export, true",
      "/api/**/export, /api/a/b/c/export, true",
      "/api/**/export, /api/a/exports, false",
      "/files/*.zip, /files/a.zip, true",
      "/files/*.zip, /files/x/a.zip, false",
      "/a.b/c, /a.b/c, true",
      "/a.b/c, /axb/c, false",
      "/**/admin/**, /x/admin/y, true",
      "/**/admin/**, /admin, true"
  })
  void matches(String pattern, String path, boolean expected) {
    assertThat(PathPattern.compile(pattern, true).matches(path)).isEqualTo(expected);
  }

  @Test
  void caseInsensitivePatternsAreLowerCasedForLowerCasedPaths() {
    assertThat(PathPattern.compile("/API/Data", false).matches("/api/data")).isTrue();
    assertThat(PathPattern.compile("/API/Data", true).matches("/api/data")).isFalse();
  }

  /** Letters whose capital is ASCII: a server that folds case serves /admın and /ſtats as /admin and /stats. */
  @ParameterizedTest
  @ValueSource(strings = {"/adm\u0131n", "/ADM\u0131N", "/\u017Ftats", "/admin/\u017F"})
  void caseInsensitiveRulesFoldThroughUpperCase(String path) {
    String ascii = path.replace('\u0131', 'i').replace('\u017F', 's').toLowerCase(java.util.Locale.ROOT);
    PathPattern rule = PathPattern.compile(ascii.startsWith("/admin/") ? "/admin/*" : ascii, false);
    assertThat(rule.matches(PathPattern.fold(path))).as(path).isTrue();
    assertThat(rule.matches(CanonicalPath.of(path, true))).as(path).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "api", "/", "/api/", "/api//x", "/api/./x", "/api/../x", "/a**", "/a?b", "/a%2F",
      "/a;x", "*.", "*.a/b", "/a b"})
  void rejectsMalformedPatterns(String pattern) {
    assertThatThrownBy(() -> PathPattern.compile(pattern, true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("path pattern");
  }
}
