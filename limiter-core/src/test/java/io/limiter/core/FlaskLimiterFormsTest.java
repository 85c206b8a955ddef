package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Feeds the parser the forms flask-limiter accepts, generated from its grammar (the {@code limits} package's
 * {@code SINGLE_EXPR}: optional whitespace, digits, {@code /} or {@code per}, an optional multiplier, one of six unit
 * words with an optional {@code s}, case-insensitive; members separated by {@code , ; |}). Whitespace is every
 * character Python's {@code \s} matches. Each form must parse to the same limits as flask-limiter's reading.
 */
class FlaskLimiterFormsTest {

  /** Every character Python 3's {@code re} matches with {@code \s} in a str pattern. */
  private static final String PYTHON_SPACE = " \t\n\u000b\f\r\u001c\u001d\u001e\u001f\u0085\u00a0\u1680\u2000\u2001"
      + "\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000";

  private static final Map<String, Duration> UNITS = Map.of(
      "second", Duration.ofSeconds(1), "minute", Duration.ofMinutes(1), "hour", Duration.ofHours(1),
      "day", Duration.ofDays(1), "month", Duration.ofDays(30), "year", Duration.ofDays(360));

  @Test
  void everyUnitWordInEveryCaseWithOrWithoutItsPluralAndEveryConnector() {
    int forms = 0;
    for (Map.Entry<String, Duration> unit : UNITS.entrySet()) {
      for (String word : cases(unit.getKey())) {
        for (String plural : List.of("", "s", "S")) {
          for (String connector : List.of("/", "per", " per ", "PER", "Per", " / ")) {
            for (String multiplier : List.of("", "1", "2", " 7 ", "0010")) {
              String spec = "12" + connector + multiplier + word + plural;
              long times = multiplier.isBlank() ? 1 : Long.parseLong(multiplier.strip());
              assertThat(LimitSpec.parse(spec).limits()).as(spec)
                  .containsExactly(Limit.of(12, unit.getValue().multipliedBy(times)));
              forms++;
            }
          }
        }
      }
    }
    assertThat(forms).isEqualTo(6 * 3 * 3 * 6 * 5);
  }

  @Test
  void everyPythonWhitespaceCharacterInEveryPlaceWhitespaceMayStand() {
    for (char c : PYTHON_SPACE.toCharArray()) {
      String w = String.valueOf(c);
      String spec = w + "5" + w + "per" + w + "2" + w + "minutes" + w + ";" + w + "7" + w + "/" + w + "day" + w;
      assertThat(LimitSpec.parse(spec).limits()).as("U+%04X", (int) c)
          .containsExactly(Limit.of(5, Duration.ofMinutes(2)), Limit.of(7, Duration.ofDays(1)));
      String doubled = "5" + w + w + "per" + w + w + "minute";
      assertThat(LimitSpec.parse(doubled).limits()).as("U+%04X twice", (int) c)
          .containsExactly(Limit.of(5, Duration.ofMinutes(1)));
    }
  }

  @Test
  void noSpaceAtAllAndEverySeparator() {
    assertThat(LimitSpec.parse("10perminute").limits()).containsExactly(Limit.of(10, Duration.ofMinutes(1)));
    assertThat(LimitSpec.parse("10per2hours").limits()).containsExactly(Limit.of(10, Duration.ofHours(2)));
    for (String separator : List.of(",", ";", "|")) {
      assertThat(LimitSpec.parse("1/second" + separator + "5/minute" + separator + "100/day").limits())
          .containsExactly(Limit.of(1, Duration.ofSeconds(1)), Limit.of(5, Duration.ofMinutes(1)),
              Limit.of(100, Duration.ofDays(1)));
    }
  }

  @Test
  void whatFlaskLimiterRejectsOrOnlyAcceptsByAccidentIsAnError() {
    for (String spec : List.of("10/minute,", "10/minute;;5/day", "10/minutely", "10 per 2 minute s",
        "1/second:;2/minute", "10/\u017fecond", "10/m\u0131nute", "10/minute\u200b")) {
      assertThatThrownBy(() -> LimitSpec.parse(spec)).as(spec).isInstanceOf(LimitSpecException.class);
    }
  }

  private static List<String> cases(String word) {
    List<String> cases = new ArrayList<>();
    cases.add(word);
    cases.add(word.toUpperCase(Locale.ROOT));
    cases.add(Character.toUpperCase(word.charAt(0)) + word.substring(1));
    return cases;
  }
}
