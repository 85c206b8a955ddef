package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitConfigException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StepScheduleTest {

  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

  private static final StepSchedule PEAK = StepSchedule.parse("zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute;"
      + " 2025-12-24..2025-12-26 = 200/minute; --01-01 = 50%; default = 200/minute");

  private static Instant berlin(String localDateTime) {
    return LocalDateTime.parse(localDateTime).atZone(BERLIN).toInstant();
  }

  @Test
  void parsesAndPrintsACanonicalSpec() {
    assertThat(PEAK.zone()).isEqualTo(BERLIN);
    assertThat(PEAK.rules()).extracting(StepSchedule.Rule::condition)
        .containsExactly("Mon-Fri 08:00-20:00", "2025-12-24..2025-12-26", "--01-01");
    assertThat(PEAK.otherwise()).contains(StepLimits.of(LimitSpec.parse("200/minute")));
    assertThat(PEAK.toString()).isEqualTo("zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; "
        + "2025-12-24..2025-12-26 = 200/minute; --01-01 = 50%; default=200/minute");
    assertThat(StepSchedule.parse(PEAK.toString())).isEqualTo(PEAK);
    StepSchedule onlyDefault = StepSchedule.parse("default=50%");
    assertThat(StepSchedule.parse(onlyDefault.toString())).isEqualTo(onlyDefault);
  }

  @Test
  void stepsFollowTheLocalDayAndTime() {
    // 2025-06-02 is a Monday
    assertThat(PEAK.stepAt(berlin("2025-06-02T07:59:59.999"))).isEqualTo(-1);
    assertThat(PEAK.stepAt(berlin("2025-06-02T08:00"))).isEqualTo(0);
    assertThat(PEAK.stepAt(berlin("2025-06-02T19:59:59.999"))).isEqualTo(0);
    assertThat(PEAK.stepAt(berlin("2025-06-02T20:00"))).isEqualTo(-1);
    assertThat(PEAK.stepAt(berlin("2025-06-07T12:00"))).as("Saturday").isEqualTo(-1);
    assertThat(PEAK.limitsAt(berlin("2025-06-07T12:00"))).contains(StepLimits.parse("200/minute"));
    assertThat(PEAK.limitsAt(berlin("2025-06-06T12:00"))).contains(StepLimits.parse("1000/minute"));
  }

  @Test
  void dateEntriesWinOverDayEntriesWhereverTheyAreWritten() {
    // 2025-12-24 is a Wednesday; 2026-01-01 a Thursday
    assertThat(PEAK.stepAt(berlin("2025-12-24T12:00"))).isEqualTo(1);
    assertThat(PEAK.stepAt(berlin("2025-12-26T23:59:59"))).isEqualTo(1);
    assertThat(PEAK.stepAt(berlin("2025-12-27T12:00"))).isEqualTo(-1);
    assertThat(PEAK.stepAt(berlin("2026-01-01T12:00"))).isEqualTo(2);
    assertThat(PEAK.stepAt(berlin("2026-01-02T12:00"))).isEqualTo(0);
  }

  @Test
  void yearlyRangesMayWrapTheYearAndDayRangesTheWeek() {
    StepSchedule s = StepSchedule.parse("zone=UTC; --12-30..--01-02 = 10%; Fri-Mon 00:00-06:00 = 50%; "
        + "weekdays 12:00-13:00 = 75%; Sat Sun 13:00-24:00 = 60%");
    assertThat(s.stepAt(Instant.parse("2025-12-31T12:00:00Z"))).isEqualTo(0);
    assertThat(s.stepAt(Instant.parse("2026-01-02T12:00:00Z"))).isEqualTo(0);
    assertThat(s.stepAt(Instant.parse("2026-01-03T05:00:00Z"))).as("a Saturday").isEqualTo(1);
    assertThat(s.stepAt(Instant.parse("2026-01-06T05:00:00Z"))).as("a Tuesday").isEqualTo(-1);
    assertThat(s.stepAt(Instant.parse("2026-01-06T12:30:00Z"))).isEqualTo(2);
    assertThat(s.stepAt(Instant.parse("2026-01-04T23:59:59Z"))).as("up to 24:00").isEqualTo(3);
  }

  @Test
  void theNextChangeIsTheNextBoundaryOfLocalTime() {
    assertThat(PEAK.nextChangeAfter(berlin("2025-06-02T07:00"))).isEqualTo(berlin("2025-06-02T08:00"));
    assertThat(PEAK.nextChangeAfter(berlin("2025-06-02T08:00"))).isEqualTo(berlin("2025-06-02T20:00"));
    assertThat(PEAK.nextChangeAfter(berlin("2025-06-02T20:00"))).isEqualTo(berlin("2025-06-03T00:00"));
  }

  @Test
  void onTheSpringForwardDayAnEntryAcrossTheGapLastsOneRealHour() {
    // 2025-03-30: 02:00 CET (01:00Z) becomes 03:00 CEST
    StepSchedule night = StepSchedule.parse("zone=Europe/Berlin; 01:00-03:00 = 10/minute; default = 100/minute");
    assertThat(night.stepAt(Instant.parse("2025-03-29T23:59:59Z"))).isEqualTo(-1);
    assertThat(night.stepAt(Instant.parse("2025-03-30T00:00:00Z"))).isEqualTo(0);
    assertThat(night.nextChangeAfter(Instant.parse("2025-03-30T00:00:00Z")))
        .isEqualTo(Instant.parse("2025-03-30T01:00:00Z"));
    assertThat(night.stepAt(Instant.parse("2025-03-30T00:59:59.999Z"))).isEqualTo(0);
    assertThat(night.stepAt(Instant.parse("2025-03-30T01:00:00Z"))).isEqualTo(-1);
    // an entry inside the gap never applies that day
    StepSchedule gap = StepSchedule.parse("zone=Europe/Berlin; 02:00-02:30 = 10/minute");
    for (int minute = 0; minute < 24 * 60; minute++) {
      assertThat(gap.stepAt(Instant.parse("2025-03-29T23:00:00Z").plusSeconds(60L * minute))).isEqualTo(-1);
    }
    // the next day it applies again, from 02:00 CEST (00:00Z)
    assertThat(gap.nextChangeAfter(Instant.parse("2025-03-30T22:00:00Z")))
        .isEqualTo(Instant.parse("2025-03-31T00:00:00Z"));
  }

  @Test
  void onTheFallBackDayAnEntryInTheOverlapAppliesTwice() {
    // 2025-10-26: 03:00 CEST (01:00Z) becomes 02:00 CET
    StepSchedule s = StepSchedule.parse("zone=Europe/Berlin; 02:00-02:30 = 10/minute; 01:00-03:00 = 50/minute");
    assertThat(s.stepAt(Instant.parse("2025-10-26T00:15:00Z"))).as("02:15 CEST").isEqualTo(0);
    assertThat(s.stepAt(Instant.parse("2025-10-26T00:45:00Z"))).as("02:45 CEST").isEqualTo(1);
    assertThat(s.nextChangeAfter(Instant.parse("2025-10-26T00:45:00Z")))
        .as("the clocks go back to 02:00").isEqualTo(Instant.parse("2025-10-26T01:00:00Z"));
    assertThat(s.stepAt(Instant.parse("2025-10-26T01:15:00Z"))).as("02:15 CET").isEqualTo(0);
    assertThat(s.stepAt(Instant.parse("2025-10-26T01:45:00Z"))).as("02:45 CET").isEqualTo(1);
    assertThat(s.stepAt(Instant.parse("2025-10-25T23:00:00Z"))).as("01:00 CEST").isEqualTo(1);
    assertThat(s.stepAt(Instant.parse("2025-10-26T01:59:59Z"))).as("02:59:59 CET").isEqualTo(1);
    assertThat(s.stepAt(Instant.parse("2025-10-26T02:00:00Z"))).as("03:00 CET").isEqualTo(-1);
  }

  @Test
  void everyProblemIsReportedWithItsPosition() {
    String spec = "zone=Mars/Olympus; Mon-Fry 25:00-20:00 = 1000/minit; 2025-02-30 = 5%; default=unlimited; "
        + "Sat 2025-12-24 = 10%; 22:00-06:00 = 10%";
    assertThatThrownBy(() -> StepSchedule.parse(spec, "property limiter.policies.api.schedule"))
        .isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 5: unknown "
                + "time zone \"Mars/Olympus\"; expected a region such as Europe/Berlin, or UTC",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 46: unknown "
                + "unit \"minit\"; expected one of "
                + "ms, millisecond(s), s, sec(s), second(s), m, min(s), minute(s), "
                + "h, hr(s), hour(s), d, day(s), w, week(s), mo, month(s), y, yr(s), year(s)",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 23: unknown "
                + "day \"Fry\"; expected Mon, Tue, Wed, Thu, Fri, Sat, Sun (or full names), weekdays or weekends",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 27: time "
                + "25:00 is not a time of day; expected 00:00 to 23:59",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 53: "
                + "\"2025-02-30\" is not a valid date; expected YYYY-MM-DD",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 78: a "
                + "scheduled step cannot be unlimited; expected a rate such as 1000/minute or a percentage such as "
                + "50%",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 89: a "
                + "condition names either days of the week or dates, not both; write two entries",
            "property limiter.policies.api.schedule: invalid schedule spec \"" + spec + "\" at position 111: time "
                + "range 22:00-06:00 ends before it starts; split a range over midnight into two entries such as "
                + "22:00-24:00 and 00:00-06:00"));
  }

  @Test
  void aScheduleWithConditionsNeedsAZone() {
    assertThatThrownBy(() -> StepSchedule.parse("Mon-Fri = 50%"))
        .hasMessage("invalid schedule spec \"Mon-Fri = 50%\": a schedule with conditions needs its time zone; add "
            + "zone=<region/city> such as zone=Europe/Berlin (or zone=UTC)");
    assertThatThrownBy(() -> StepSchedule.parse("zone=UTC; 08:00-09:00 10:00-11:00 = 50%"))
        .hasMessageContaining("at position 22: a condition has at most one time range");
    assertThatThrownBy(() -> StepSchedule.parse("zone=UTC; tomorrow = 50%"))
        .hasMessageContaining("at position 10: unknown day \"tomorrow\"");
    assertThatThrownBy(() -> StepSchedule.parse("zone=UTC; 08:00-09:00 = 50%; ;"))
        .hasMessageContaining("at position 29: empty entry; expected name=value between separators");
    assertThatThrownBy(() -> StepSchedule.parse("zone=UTC; 08:00-09:00"))
        .hasMessageContaining("at position 10: expected name=value but found \"08:00-09:00\"");
  }

  @Test
  void theBuilderTakesTheSameNotation() {
    StepSchedule built = StepSchedule.builder(BERLIN).rule("Mon-Fri 08:00-20:00", "1000/minute")
        .rule("2025-12-24..2025-12-26", StepLimits.parse("200/minute")).rule("--01-01", "50%")
        .otherwise("200/minute").build();
    assertThat(built).isEqualTo(PEAK);
    assertThatThrownBy(() -> StepSchedule.builder(BERLIN).rule("Mon-Fri 8-20", "1/s"))
        .hasMessage("invalid schedule condition \"Mon-Fri 8-20\" at position 8: unexpected \"8-20\"; expected days "
            + "(Mon-Fri, Sat, weekends), dates (2025-12-24, 2025-12-24..2025-12-26, --12-25) or a time range "
            + "(08:00-20:00)");
    assertThatThrownBy(() -> StepSchedule.builder(BERLIN).otherwise(StepLimits.unlimited()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(StepSchedule.builder(BERLIN).build().limitsAt(Instant.EPOCH)).isEqualTo(Optional.empty());
  }
}
