package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.StepController;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

/** One duration grammar: every unit of a limit is a unit of every duration setting, with the same length. */
class DurationFormatTest {

  private static final List<String> UNITS = List.of("ms", "millisecond", "milliseconds", "s", "sec", "secs",
      "second", "seconds", "m", "min", "mins", "minute", "minutes", "h", "hr", "hrs", "hour", "hours", "d", "day",
      "days", "w", "week", "weeks", "mo", "month", "months", "y", "yr", "yrs", "year", "years");

  @Test
  void everyUnitOfTheRateGrammarIsADurationUnitOfTheSameLength() {
    for (String unit : UNITS) {
      long period = LimitSpec.parse("1/" + unit).limits().get(0).periodNanos();
      assertThat(DurationFormat.parse("1" + unit).toNanos()).as(unit).isEqualTo(period);
      assertThat(DurationFormat.parse("1 " + unit.toUpperCase(java.util.Locale.ROOT)).toNanos()).as(unit)
          .isEqualTo(period);
    }
  }

  @Test
  void aWeekIsAWeekInALimitACooldownAndAPenalty() {
    assertThat(LimitSpec.parse("100/w").limits().get(0).periodNanos()).isEqualTo(Duration.ofDays(7).toNanos());
    StepController c = StepController.parse("api", "levels=100%,50%; cooldown=1w", "init-param adaptive.api",
        Map.of());
    assertThat(c.toString()).isNotNull();
    assertThat(PenaltyRule.parse("5/minute -> block for 1w").toString()).endsWith("for 1w");
  }

  @Test
  void isoZeroAndRefusals() {
    assertThat(DurationFormat.parse("PT0.25S")).isEqualTo(Duration.ofMillis(250));
    assertThat(DurationFormat.parse(" 0 ")).isZero();
    assertThatIllegalArgumentException().isThrownBy(() -> DurationFormat.parse("5"))
        .withMessageContaining("\"5\" has no unit");
    assertThatIllegalArgumentException().isThrownBy(() -> DurationFormat.parse("5 fortnights"))
        .withMessageContaining("unknown duration unit \"fortnights\"");
    assertThatIllegalArgumentException().isThrownBy(() -> DurationFormat.parse("-1s"));
    assertThatIllegalArgumentException().isThrownBy(() -> DurationFormat.parse("PT-1S"));
    assertThatIllegalArgumentException().isThrownBy(() -> DurationFormat.parse("999999999999y"))
        .withMessageContaining("too long");
  }

  @Property
  void formatParsesBack(@ForAll @LongRange(min = 0, max = 400L * 86_400_000_000_000L) long nanos) {
    Duration d = Duration.ofNanos(nanos);
    assertThat(DurationFormat.parse(DurationFormat.format(d))).isEqualTo(d);
    Duration ms = Duration.ofMillis(nanos / 1_000_000);
    assertThat(DurationFormat.parse(DurationFormat.format(ms))).isEqualTo(ms);
  }
}
