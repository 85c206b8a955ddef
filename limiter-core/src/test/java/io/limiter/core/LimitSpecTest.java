package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class LimitSpecTest {

  @ParameterizedTest
  @ValueSource(strings = {"10/minute", "10 per minute", "10/m", "10/min", "10 / minutes", "10PER MINUTE",
      "  10/Minute  ", "10 per 1 minute", "10/60 seconds", "10/60s", "10perminute", "10 /\tmin"})
  void acceptedFormsOfTenPerMinuteAreEqual(String spec) {
    assertThat(LimitSpec.parse(spec)).isEqualTo(LimitSpec.of(Limit.of(10, Duration.ofMinutes(1))));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '=', value = {
      "5/2 seconds = 5/2 seconds",
      "10 per 2 hours = 10/2 hours",
      "1/day = 1/day",
      "3/d = 3/day",
      "7/week = 7/week",
      "30/mo = 30/month",
      "12/month = 12/month",
      "1/year = 1/year",
      "2/360 days = 2/year",
      "1/30 days = 1/month",
      "100/minute burst 20 = 100/minute burst 20",
      "100/minute BURST 100 = 100/minute",
      "250/500 ms = 250/500 milliseconds",
      "1/1000 milliseconds = 1/second",
      "10/h = 10/hour",
      "4/14 days = 4/2 weeks",
      "100/second warmup 30s = 100/second warmup 30s",
      "100/s WARMUP 30 seconds = 100/second warmup 30s",
      "100/s warmup 30s burst 10 = 100/second burst 10 warmup 30s",
      "100/s burst 10 warmup 30s = 100/second burst 10 warmup 30s",
      "10/minute warmup PT2M = 10/minute warmup 2m",
      "10/s warmup 1500ms = 10/second warmup 1500ms",
      "10/s warmup 1 week = 10/second warmup 1w"})
  void parsesToCanonicalForm(String spec, String canonical) {
    assertThat(LimitSpec.parse(spec).toString()).isEqualTo(canonical);
    assertThat(LimitSpec.parse(canonical)).isEqualTo(LimitSpec.parse(spec));
  }

  @Test
  void membersJoinedBySemicolonCommaOrPipe() {
    LimitSpec spec = LimitSpec.parse("10/s; 100/min, 1000/day | 5000/week");
    assertThat(spec.limits()).containsExactly(
        Limit.of(10, Duration.ofSeconds(1)),
        Limit.of(100, Duration.ofMinutes(1)),
        Limit.of(1000, Duration.ofDays(1)),
        Limit.of(5000, Duration.ofDays(7)));
    assertThat(spec).hasToString("10/second; 100/minute; 1000/day; 5000/week");
  }

  @Test
  void monthAndYearHaveFlaskLimiterLengths() {
    assertThat(LimitSpec.parse("1/month").limits().get(0).period()).isEqualTo(Duration.ofDays(30));
    assertThat(LimitSpec.parse("1/year").limits().get(0).period()).isEqualTo(Duration.ofDays(360));
  }

  @Test
  void burstSetsTheBucketCapacity() {
    Limit limit = LimitSpec.parse("100/minute burst 20").limits().get(0);
    assertThat(limit.permits()).isEqualTo(100);
    assertThat(limit.burst()).isEqualTo(20);
    assertThat(limit.emissionIntervalNanos()).isEqualTo(600_000_000L);
  }

  @Test
  void warmupIsAPropertyOfTheLimitThatRoundTrips() {
    Limit limit = LimitSpec.parse("100/second warmup 30s").limits().get(0);
    assertThat(limit.warmup()).isEqualTo(Duration.ofSeconds(30));
    assertThat(limit.hasWarmup()).isTrue();
    assertThat(limit).isEqualTo(Limit.of(100, Duration.ofSeconds(1)).withWarmup(Duration.ofSeconds(30)))
        .isNotEqualTo(Limit.of(100, Duration.ofSeconds(1)));
    assertThat(Limit.of(100, Duration.ofSeconds(1)).withWarmup(Duration.ZERO).hasWarmup()).isFalse();
    // step levels and burst changes keep it
    assertThat(limit.scaled(0.5)).hasToString("50/second warmup 30s");
    assertThat(limit.withBurst(10)).hasToString("100/second burst 10 warmup 30s");
    assertThatThrownBy(() -> Limit.concurrent(5, Duration.ofMinutes(1)).withWarmup(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a concurrency limit does not warm up");
  }

  @Test
  void onlyTheTokenBucketWarmsUp() {
    for (Algorithm algorithm : new Algorithm[] {Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW,
        Algorithm.MOVING_WINDOW}) {
      assertThatThrownBy(() -> LimitPolicy.builder("api").limits("10/second; 100/minute warmup 1m")
          .algorithm(algorithm).build())
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("limit 100/minute warmup 1m of policy api warms up, but only TOKEN_BUCKET does (" + algorithm
              + " counts permits in windows or leases, which have no rate to ramp); use TOKEN_BUCKET or drop the "
              + "warm-up");
    }
    assertThat(LimitPolicy.of("api", "10/second; 100/minute warmup 1m").limits().get(1).hasWarmup()).isTrue();
  }

  @Test
  void aWarmUpIsPartOfTheStatesShape() {
    LimitPolicy warm = LimitPolicy.of("api", "10/second warmup 30s");
    assertThat(warm.canShareStateWith(LimitPolicy.of("api", "20/second burst 5 warmup 1m"))).isTrue();
    assertThat(warm.canShareStateWith(LimitPolicy.of("api", "10/second"))).isFalse();
    assertThat(LimitPolicy.of("api", "10/second").canShareStateWith(warm)).isFalse();
    assertThat(new PolicyChange("api", warm, LimitPolicy.of("api", "20/second burst 5 warmup 1m")).stateKept()).isTrue();
    assertThat(new PolicyChange("api", warm, LimitPolicy.of("api", "10/second")).stateKept()).isFalse();
    assertThat(new PolicyChange("api", LimitPolicy.of("api", "10/second"), warm).stateKept()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|0|the spec is empty",
      "'   '|3|the spec is empty",
      "0/second|0|count must be >= 1 but was 0",
      "-5/second|0|expected a count of permits",
      "10/0 seconds|3|period multiplier must be >= 1 but was 0",
      "10/fortnight|3|unknown unit \"fortnight\"",
      "10/|3|expected a unit",
      "10 minute|3|expected '/' or 'per'",
      "10/minute;|10|empty member",
      ";10/minute|0|empty member",
      "10/minute;;5/second|10|empty member",
      "10/minute; 20/minute|11|repeats the period of 10/minute",
      "10/minute; 10/60 seconds|11|repeats the period",
      "9223372036854775808/s|0|is too large",
      "99999999999999999999/s|0|is too large",
      "10/minute burst|15|expected a burst size",
      "10/minute burst 0|16|burst must be >= 1 but was 0",
      "10/minute burstx 5|10|unexpected 'b'",
      "2000000000/second|0|faster than one permit per nanosecond",
      "1/3651 days|2|longer than 3650 days",
      "1/99999999999 years|2|longer than 3650 days",
      "10/minute 5|10|unexpected '5'",
      "10.5/minute|2|expected '/' or 'per'",
      "10/1.5 minutes|4|found '.'; expected a unit",
      "10/second warmup|16|expected a warm-up period after 'warmup'",
      "10/second warmup s|17|expected a warm-up period after 'warmup'",
      "10/second warmup 0s|17|warm-up must be longer than 0",
      "10/second warmup 30 fortnights|17|unknown duration unit \"fortnights\"",
      "10/second warmup 30|17|has no unit",
      "10/second warmup 30s warmup 1m|21|unexpected 'w'",
      "10/second warmupx 5s|10|unexpected 'w'",
      "10/second warmup PT0.0005S|17|warm-up must be whole milliseconds",
      "10/second warmup 3651d|17|warm-up must be at most 3650 days",
      "200000/second warmup 1s|21|warm-up needs a rate of at most 100000/second",
      "5 concurrent warmup 1s|13|unexpected 'w'"})
  void malformedInputFailsWithRawStringPositionAndExpectation(String spec, int position, String problem) {
    assertThatThrownBy(() -> LimitSpec.parse(spec))
        .isInstanceOfSatisfying(LimitSpecException.class, e -> {
          assertThat(e.getMessage()).contains("\"" + spec + "\"").contains("position " + position).contains(problem);
          assertThat(e.input()).isEqualTo(spec);
          assertThat(e.position()).isEqualTo(position);
        });
  }

  @Test
  void nullIsAProgrammingError() {
    assertThatThrownBy(() -> LimitSpec.parse(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void limitRejectsOutOfRangeValuesWithMessagesNamingThem() {
    assertThatThrownBy(() -> Limit.of(0, Duration.ofSeconds(1))).hasMessage("permits must be >= 1 but was 0");
    assertThatThrownBy(() -> Limit.of(1, Duration.ZERO)).hasMessageContaining("period must be positive");
    assertThatThrownBy(() -> Limit.of(1, Duration.ofNanos(1500))).hasMessageContaining("whole milliseconds");
    assertThatThrownBy(() -> Limit.of(1, Duration.ofSeconds(1), 0)).hasMessage("burst must be >= 1 but was 0");
    assertThatThrownBy(() -> Limit.of(1, Duration.ofDays(3650), Long.MAX_VALUE / 2))
        .hasMessageContaining("146 years");
  }

  @Test
  void emissionIntervalRoundsUpSoALimitNeverAdmitsMoreThanItSays() {
    Limit sevenPerMinute = Limit.of(7, Duration.ofMinutes(1));
    assertThat(sevenPerMinute.emissionIntervalNanos()).isEqualTo(8_571_428_572L);
    assertThat(Limit.of(1_000_000_000, Duration.ofSeconds(1)).emissionIntervalNanos()).isEqualTo(1);
    assertThat(Limit.of(1, Duration.ofDays(1)).emissionIntervalNanos()).isEqualTo(Duration.ofDays(1).toNanos());
  }

  @Test
  void scalingKeepsAtLeastOnePermit() {
    Limit limit = LimitSpec.parse("10/minute burst 4").limits().get(0);
    assertThat(limit.scaled(0.5)).isEqualTo(Limit.of(5, Duration.ofMinutes(1), 2));
    assertThat(limit.scaled(0.01)).isEqualTo(Limit.of(1, Duration.ofMinutes(1), 1));
    assertThat(limit.scaled(1.0)).isSameAs(limit);
    assertThatThrownBy(() -> limit.scaled(0)).hasMessageContaining("positive finite");
  }
}
