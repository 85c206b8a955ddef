package io.limiter.test;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Ticker;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The kit's {@link ManualTicker} is core's manual ticker under the kit's name: the same clock, typed as the kit's. */
class ManualTickerTest {

  @Test
  void movingReturnsTheKitsTypeAndMovesTheOneClock() {
    ManualTicker ticker = new ManualTicker(10).advance(Duration.ofNanos(5)).advanceNanos(5).set(30).advanceNanos(1);
    Ticker.Manual core = ticker;
    core.advanceNanos(1);
    assertThat(ticker.read()).isEqualTo(32);
    assertThat(new ManualTicker().read()).isZero();
    assertThat(ManualTicker.epochNanos(Instant.EPOCH.plusSeconds(1))).isEqualTo(1_000_000_000L);
  }
}
