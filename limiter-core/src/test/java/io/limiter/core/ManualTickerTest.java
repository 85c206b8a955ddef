package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** {@link Ticker#manual()}: the fake clock of core's tests, and (as the kit's ManualTicker) of every store's. */
class ManualTickerTest {

  @Test
  void movesOnlyWhenToldAndMayGoBackwards() {
    Ticker.Manual ticker = Ticker.manual(100);
    assertThat(ticker.read()).isEqualTo(100);
    assertThat(ticker.advance(Duration.ofNanos(5)).advanceNanos(-10).read()).isEqualTo(95);
    assertThat(ticker.set(-7).read()).isEqualTo(-7);
    assertThat(Ticker.manual().read()).isZero();
  }

  @Test
  void itsClockReadsTheTickerAsEpochNanosAlsoBeforeTheEpoch() {
    Instant start = Instant.parse("2025-03-30T00:59:59.999999999Z");
    Ticker.Manual ticker = Ticker.manual(Ticker.Manual.epochNanos(start));
    Clock clock = ticker.asClock(ZoneOffset.UTC);
    assertThat(clock.instant()).isEqualTo(start);
    ticker.advanceNanos(1);
    assertThat(clock.instant()).isEqualTo(Instant.parse("2025-03-30T01:00:00Z"));
    assertThat(clock.millis()).isEqualTo(Instant.parse("2025-03-30T01:00:00Z").toEpochMilli());

    ticker.set(-1); // one nanosecond before the epoch: floor, not truncation towards zero
    assertThat(clock.instant()).isEqualTo(Instant.EPOCH.minusNanos(1));
    assertThat(clock.millis()).isEqualTo(-1);

    Clock berlin = clock.withZone(ZoneId.of("Europe/Berlin"));
    assertThat(berlin.getZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
    ticker.advance(Duration.ofHours(1));
    assertThat(berlin.instant()).isEqualTo(clock.instant()).isEqualTo(Instant.EPOCH.plusSeconds(3600).minusNanos(1));
  }
}
