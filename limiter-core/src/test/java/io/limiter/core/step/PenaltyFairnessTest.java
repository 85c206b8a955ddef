package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Ticker;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The penalty box punishes behaviour over a client's own limit, never a level drop or a shared key. */
class PenaltyFairnessTest {

  private static final long SECOND = 1_000_000_000L;

  private final Ticker.Manual ticker = Ticker.manual(1_000 * SECOND);

  private SteppedRateLimiter.Builder<Object> limiter(String limit, String penalty) {
    return SteppedRateLimiter.<Object>builder(LimitPolicy.of("api", limit),
        RateLimitStore.builder().ticker(ticker).executor(Runnable::run).buildInMemory()).ticker(ticker).penalty(penalty, null);
  }

  /** One request a second for {@code seconds}; returns how many were admitted. */
  private int steadyClient(SteppedRateLimiter<Object> api, String key, int seconds) {
    int admitted = 0;
    for (int s = 0; s < seconds; s++) {
      if (api.acquire(key, null, 1).allowed()) {
        admitted++;
      }
      ticker.advance(Duration.ofSeconds(1));
    }
    return admitted;
  }

  @Test
  void aLevelDropDoesNotBoxAWellBehavedClient() {
    StepController health = StepController.builder("h").ticker(ticker).build();
    SteppedRateLimiter<Object> api = limiter("100/minute", "5/minute -> block for 10m").controller(health).build();
    assertThat(steadyClient(api, "steady", 60)).isEqualTo(60);

    health.pin(4, "slow traffic from other keys"); // 10/minute
    assertThat(steadyClient(api, "steady", 120)).as("squeezed to the lower level").isLessThan(40);
    assertThat(api.penaltyBox().orElseThrow().isBoxed("steady")).isFalse();

    health.unpin("healthy again");
    health.pin(0, "back to 100%");
    ticker.advance(Duration.ofMinutes(1));
    assertThat(steadyClient(api, "steady", 60)).as("served in full at once, not boxed for 9 minutes")
        .isEqualTo(60);
  }

  @Test
  void aClientOverItsOwnLimitIsStillBoxedAtTheCeiling() {
    StepController health = StepController.builder("h").ticker(ticker).levels(1.0, 0.5, 0.25).ceiling(0.5).build();
    SteppedRateLimiter<Object> api = limiter("100/minute", "5/minute -> block for 10m").controller(health).build();
    for (int i = 0; i < 56; i++) {
      api.acquire("greedy", null, 1);
    }
    assertThat(api.penaltyBox().orElseThrow().isBoxed("greedy")).as("50 admitted at the ceiling (50%), 6 rejected")
        .isTrue();
  }

  @Test
  void aSharedKeyIsNotBoxedUnlessConfigured() {
    SteppedRateLimiter<Object> api = limiter("10/minute", "5/minute -> block for 10m").build();
    for (int i = 0; i < 30; i++) {
      api.acquireShared("missing:anonymous", null, 1);
    }
    assertThat(api.penaltyBox().orElseThrow().isBoxed("missing:anonymous")).isFalse();
    ticker.advance(Duration.ofMinutes(1));
    assertThat(api.acquireShared("missing:anonymous", null, 1).allowed())
        .as("a second anonymous client is served once the bucket refills").isTrue();

    SteppedRateLimiter<Object> strict = limiter("10/minute", "5/minute -> block for 10m").penalizeSharedKeys(true)
        .build();
    for (int i = 0; i < 30; i++) {
      strict.acquireShared("missing:anonymous", null, 1);
    }
    assertThat(strict.penaltyBox().orElseThrow().isBoxed("missing:anonymous")).isTrue();
  }

  @Test
  void boxedClientsKeepNoRejectionLogAndTheBoxIsBoundedByBytes() {
    PenaltyRule rule = PenaltyRule.parse("1000/minute -> block for 10m");
    PenaltyBox box = new PenaltyBox("api", rule, ticker, 100_000, 1L << 20);
    long now = ticker.read();
    for (int i = 0; i <= 1000; i++) {
      box.reject("boxed", now + i);
    }
    assertThat(box.isBoxed("boxed")).isTrue();
    assertThat(box.estimatedBytes()).as("the 8 KB log is dropped on boxing").isEqualTo(PenaltyBox.ENTRY_BYTES);

    // 1,000 clients each 500 rejections into their log: 4 KB each, 4 MB unbounded
    for (int c = 0; c < 1000; c++) {
      for (int i = 0; i < 500; i++) {
        box.reject("client-" + c, now + i);
      }
    }
    assertThat(box.estimatedBytes()).isLessThanOrEqualTo(1L << 20);
    assertThat(box.isBoxed("boxed")).as("boxed clients are kept while counting ones are dropped").isTrue();
  }
}
