package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PenaltyBoxTest {

  private static final long SECOND = 1_000_000_000L;

  private final Ticker.Manual ticker = Ticker.manual(1_000 * SECOND);
  private final List<PenaltyEvent> events = new ArrayList<>();

  private PenaltyBox box(String rule, long maxKeys) {
    PenaltyBox box = new PenaltyBox("api", PenaltyRule.parse(rule), ticker, maxKeys);
    box.addListener(events::add);
    return box;
  }

  @Test
  void parsesRulesAndPrintsThemCanonically() {
    PenaltyRule block = PenaltyRule.parse("5/minute -> block for 10 minutes");
    assertThat(block.rejections()).isEqualTo(5);
    assertThat(block.within()).isEqualTo(Duration.ofMinutes(1));
    assertThat(block.action()).isEqualTo(StepLimits.block());
    assertThat(block.duration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(block.toString()).isEqualTo("5/minute -> block for 10m");
    assertThat(PenaltyRule.parse(block.toString())).isEqualTo(block);

    PenaltyRule scaled = PenaltyRule.parse("20 per 30 seconds->10% FOR PT1H");
    assertThat(scaled.within()).isEqualTo(Duration.ofSeconds(30));
    assertThat(scaled.action().factor()).isEqualTo(0.1);
    assertThat(scaled.toString()).isEqualTo("20/30 seconds -> 10% for 1h");

    PenaltyRule limits = PenaltyRule.parse("3/s -> 1/minute; 10/day for 1 day");
    assertThat(limits.action()).isEqualTo(StepLimits.of(LimitSpec.parse("1/minute; 10/day")));
    assertThat(PenaltyRule.parse(limits.toString())).isEqualTo(limits);
  }

  @Test
  void badRulesNameTheProblemAndPosition() {
    assertThatThrownBy(() -> PenaltyRule.parse("5/minute block for 10m"))
        .hasMessage("invalid penalty spec \"5/minute block for 10m\" at position 0: no \"->\"; expected "
            + "<count>/<period> -> <block | percentage | rate> for <duration>, such as 5/minute -> block for 10m");
    assertThatThrownBy(() -> PenaltyRule.parse("5/minute -> block", "init-param limiter.api.penalty"))
        .hasMessage("init-param limiter.api.penalty: invalid penalty spec \"5/minute -> block\" at position 17: no "
            + "\"for <duration>\"; expected <count>/<period> -> <block | percentage | rate> for <duration>, such as "
            + "5/minute -> block for 10m");
    assertThatThrownBy(() -> PenaltyRule.parse("5/fortnight -> unlimited for 10 eons"))
        .isInstanceOfSatisfying(RateLimitConfigException.class, e -> assertThat(e.problems()).containsExactly(
            "invalid penalty spec \"5/fortnight -> unlimited for 10 eons\" at position 2: unknown unit \"fortnight\"; "
                + "expected one of "
                + "ms, millisecond(s), s, sec(s), second(s), m, min(s), minute(s), "
                + "h, hr(s), hour(s), d, day(s), w, week(s), mo, month(s), y, yr(s), year(s)",
            "invalid penalty spec \"5/fortnight -> unlimited for 10 eons\" at position 15: a penalty cannot be "
                + "unlimited; expected block, a percentage or a rate",
            "invalid penalty spec \"5/fortnight -> unlimited for 10 eons\" at position 32: unknown duration unit "
                + "\"eons\"; expected ms, s, m, h, d, w, mo, y (or a word such as seconds)"));
    assertThatThrownBy(() -> PenaltyRule.parse("5/s; 10/m -> block for 1m"))
        .hasMessageContaining("at position 0: the trigger must be one rate such as 5/minute but was 5/second; "
            + "10/minute");
    assertThatThrownBy(() -> PenaltyRule.parse("5000/s -> block for 1m"))
        .hasMessageContaining("the trigger may count at most 1000 rejections but was 5000");
    assertThatThrownBy(() -> PenaltyRule.of(0, Duration.ofMinutes(1), StepLimits.block(), Duration.ofMinutes(1)))
        .hasMessage("rejections must be between 1 and 1000 but was 0");
  }

  @Test
  void theRejectionBeyondTheToleratedCountWithinTheWindowBoxesForExactlyTheDuration() {
    PenaltyBox box = box("3/minute -> block for 10 minutes", 100);
    long t0 = ticker.read();
    assertThat(box.reject("k", t0)).isFalse();
    assertThat(box.reject("k", t0 + 20 * SECOND)).isFalse();
    assertThat(box.reject("k", t0 + 40 * SECOND)).isFalse();
    // the 4th rejection at exactly one minute after the 1st: the 1st is no longer within the window
    assertThat(box.reject("k", t0 + 60 * SECOND)).isFalse();
    assertThat(box.boxedUntil("k", t0 + 60 * SECOND)).isEqualTo(PenaltyBox.NOT_BOXED);
    // the 5th, 1 ns before a minute after the 2nd: 4 rejections within (t - 1min, t]
    long enter = t0 + 80 * SECOND - 1;
    assertThat(box.reject("k", enter)).isTrue();
    long until = enter + 600 * SECOND;
    assertThat(box.boxedUntil("k", enter)).isEqualTo(until);
    assertThat(box.boxedUntil("k", until - 1)).isEqualTo(until);
    assertThat(events).extracting(PenaltyEvent::type, PenaltyEvent::atNanos, PenaltyEvent::untilNanos)
        .containsExactly(tuple(PenaltyEvent.Type.ENTERED, enter, until));
    assertThat(events.get(0).policy()).isEqualTo("api");
    assertThat(events.get(0).rejections()).isEqualTo(4);

    assertThat(box.boxedUntil("k", until)).isEqualTo(PenaltyBox.NOT_BOXED);
    assertThat(events).extracting(PenaltyEvent::type, PenaltyEvent::atNanos)
        .containsExactly(tuple(PenaltyEvent.Type.ENTERED, enter), tuple(PenaltyEvent.Type.EXITED, until));
    assertThat(box.boxedUntil("k", until + SECOND)).as("exit reported once").isEqualTo(PenaltyBox.NOT_BOXED);
    assertThat(events).hasSize(2);
  }

  @Test
  void rejectionsWhileBoxedDoNotCountAndLeavingClearsTheCount() {
    PenaltyBox box = box("1/minute -> block for 1 minute", 100);
    long t = ticker.read();
    box.reject("k", t);
    assertThat(box.reject("k", t + 1)).isTrue();
    for (int i = 2; i < 100; i++) {
      assertThat(box.reject("k", t + i)).isFalse();
    }
    long until = t + 1 + 60 * SECOND;
    assertThat(box.boxedUntil("k", until - 1)).as("not prolonged").isEqualTo(until);
    // a rejection right at the end: the box is left first, then it counts as the 1st of a new series
    assertThat(box.reject("k", until)).isFalse();
    assertThat(box.reject("k", until + 1)).isTrue();
    assertThat(events).extracting(PenaltyEvent::type)
        .containsExactly(PenaltyEvent.Type.ENTERED, PenaltyEvent.Type.ENTERED);
  }

  @Test
  void clientsAreIndependentAndCanBeReleased() {
    PenaltyBox box = box("1/minute -> 10% for 1 minute", 100);
    long t = ticker.read();
    box.reject("a", t);
    box.reject("a", t);
    box.reject("b", t);
    assertThat(box.isBoxed("a")).isTrue();
    assertThat(box.isBoxed("b")).isFalse();
    assertThat(box.release("a")).isTrue();
    assertThat(box.isBoxed("a")).isFalse();
    assertThat(box.release("a")).isFalse();
    assertThat(box.release("nobody")).isFalse();
    assertThat(events).extracting(PenaltyEvent::type, PenaltyEvent::key)
        .containsExactly(tuple(PenaltyEvent.Type.ENTERED, "a"), tuple(PenaltyEvent.Type.RELEASED, "a"));
  }

  @Test
  void cleanUpDropsStaleEntriesReportsExitsAndBoundsMemory() {
    PenaltyBox box = box("1/minute -> block for 1 minute", 16);
    long t = ticker.read();
    box.reject("boxed", t);
    box.reject("boxed", t);
    box.reject("once", t);
    assertThat(box.trackedKeys()).isEqualTo(2);
    ticker.advanceNanos(60 * SECOND);
    box.cleanUp();
    assertThat(box.trackedKeys()).isZero();
    assertThat(events).extracting(PenaltyEvent::type, PenaltyEvent::atNanos)
        .containsExactly(tuple(PenaltyEvent.Type.ENTERED, t), tuple(PenaltyEvent.Type.EXITED, t + 60 * SECOND));

    // a flood of distinct offenders: the box never tracks more than its bound (+1 for the insert that triggers the
    // clean-up) and keeps the clients it has boxed rather than the newcomers that are only counting
    long now = ticker.read();
    for (int i = 0; i < 10_000; i++) {
      box.reject("flood-" + i, now);
      box.reject("flood-" + i, now);
      assertThat(box.trackedKeys()).isLessThanOrEqualTo(17);
    }
    int boxed = 0;
    for (int i = 0; i < 10_000; i++) {
      if (box.boxedUntil("flood-" + i, now) != PenaltyBox.NOT_BOXED) {
        boxed++;
      }
    }
    assertThat(boxed).isBetween(14, 16);
    assertThat(box.evictedBoxedKeys()).isZero();
  }
}
