package io.limiter.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link PathSpellings}: immutable although any key resolver can reach it through the request view. */
class PathSpellingsTest {

  @Test
  void changingWhatForMatchingReturnedChangesNoSpelling() {
    PathSpellings spellings = PathSpellings.of("/api/b", "/api/b/");
    spellings.forMatching(false)[0] = "/free";
    spellings.forMatching(true)[1] = "/free";

    assertThat(spellings.forMatching(false)).containsExactly("/api/b", "/api/b/");
    assertThat(spellings.get(0)).isEqualTo("/api/b");
    assertThat(spellings.allMatch(path -> path.startsWith("/free"))).isFalse();
  }

  @Test
  void theGivenArrayIsCopiedToo() {
    String[] given = {"/api/b"};
    PathSpellings spellings = PathSpellings.of(given);
    given[0] = "/free";

    assertThat(spellings.get(0)).isEqualTo("/api/b");
  }

  @Test
  void lowerCasedSpellingsAreForCaseInsensitiveRules() {
    assertThat(PathSpellings.of("/API/B").forMatching(true)).containsExactly("/api/b");
  }

  @Test
  void aRefusedPathHasNoSpellingAndIsNeverExempt() {
    PathSpellings refused = PathSpellings.refused("it contains invalid UTF-8");

    assertThat(refused.size()).isZero();
    assertThat(refused.refusal()).isEqualTo("it contains invalid UTF-8");
    assertThat(refused.allMatch(path -> true)).isFalse();
    assertThatThrownBy(() -> PathSpellings.of()).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void oneSpellingReadsAsTheSameSpellingsGivenAsAnArray() {
    PathSpellings one = PathSpellings.of("/api/b");
    PathSpellings array = PathSpellings.of(new String[] {"/api/b"});
    assertThat(one.size()).isEqualTo(array.size()).isEqualTo(1);
    assertThat(one.get(0)).isEqualTo(array.get(0));
    assertThat(one.refusal()).isNull();
    assertThat(one.forMatching(false)).containsExactly(array.forMatching(false));
    assertThat(one).hasToString(array.toString());
  }
}
