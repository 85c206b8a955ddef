package io.limiter.core.step;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * What one client (or a few colluding ones) can do to the level of a step controller by sending slow and failing
 * calls, with the rest of the traffic healthy. The numbers in docs/step-throttling.md ("What clients can and cannot
 * influence") come from {@link #slowCallsPerIntervalThatMoveTheLevel()}, which prints them.
 */
class ClientInfluenceTest {

  private static final int[] OTHERS = {0, 100, 1_000, 10_000};
  private static final int MAX_ATTACK = 100_000;

  private final Ticker.Manual ticker = Ticker.manual();

  private StepController controller(int ignoredKeys) {
    return StepController.builder("api-health").ticker(ticker).latency(95, Duration.ofMillis(250)).errorRatio(0.05)
        .ignoredKeys(ignoredKeys).build();
  }

  /**
   * Runs {@code down-after} (3) intervals of: {@code others} healthy calls (10 ms, from clients making 10 calls each),
   * and {@code attack} slow (400 ms) failing calls from each of {@code attackers} clients.
   *
   * @return whether the level moved
   */
  private boolean moves(int ignoredKeys, int others, int attackers, int attack) {
    StepController c = controller(ignoredKeys);
    for (int interval = 1; interval <= 3; interval++) {
      for (int i = 0; i < others; i++) {
        call(c, Duration.ofMillis(10), false, "client-" + (i / 10));
      }
      for (int a = 0; a < attackers; a++) {
        for (int i = 0; i < attack; i++) {
          call(c, Duration.ofMillis(400), true, "attacker-" + a);
        }
      }
      c.tick(ticker.read());
    }
    return c.level() > 0;
  }

  private void call(StepController c, Duration latency, boolean failed, String client) {
    long token = c.callStarted();
    ticker.advance(latency);
    c.callFinished(token, failed, client, 0);
  }

  /** The fewest slow calls per interval from each of {@code attackers} clients that move the level; -1 if none. */
  private int needed(int ignoredKeys, int others, int attackers) {
    if (!moves(ignoredKeys, others, attackers, MAX_ATTACK)) {
      return -1;
    }
    int lo = 1;
    int hi = MAX_ATTACK;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (moves(ignoredKeys, others, attackers, mid)) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  @Test
  void slowCallsPerIntervalThatMoveTheLevel() {
    List<String> rows = new ArrayList<>();
    int[] before = new int[OTHERS.length];
    int[] one = new int[OTHERS.length];
    int[] two = new int[OTHERS.length];
    int[] twoWithTwoIgnored = new int[OTHERS.length];
    for (int i = 0; i < OTHERS.length; i++) {
      before[i] = needed(0, OTHERS[i], 1);
      one[i] = needed(1, OTHERS[i], 1);
      two[i] = needed(1, OTHERS[i], 2);
      twoWithTwoIgnored[i] = needed(2, OTHERS[i], 2);
      rows.add(String.format(Locale.ROOT, "| %,d | %s | %s | %s | %s |", OTHERS[i], show(before[i]), show(one[i]),
          show(two[i]), show(twoWithTwoIgnored[i])));
    }
    System.out.println("| other calls per interval | one client, ignored-keys=0 (as before) | one client "
        + "(default, ignored-keys=1) | each of two clients, ignored-keys=1 | each of two clients, ignored-keys=2 |");
    rows.forEach(System.out::println);

    assertThat(before).as("every call counting, as before: one client alone moves the level")
        .containsExactly(20, 6, 53, 527);
    assertThat(one).as("one client cannot move the level, whatever it sends").containsOnly(-1);
    assertThat(twoWithTwoIgnored).as("nor two, with ignored-keys=2").containsOnly(-1);
    assertThat(two[1]).as("two colluding clients against 100 healthy calls").isPositive();
  }

  private static String show(int n) {
    return n < 0 ? "cannot (not with " + String.format(Locale.ROOT, "%,d", MAX_ATTACK) + ")"
        : String.format(Locale.ROOT, "%,d", n);
  }

  @Test
  void aSickServerStillStepsDownWhenEveryClientSeesIt() {
    StepController c = controller(1);
    for (int interval = 1; interval <= 3; interval++) {
      for (int i = 0; i < 200; i++) {
        call(c, Duration.ofMillis(400), false, "client-" + (i % 40));
      }
      c.tick(ticker.read());
    }
    assertThat(c.level()).isEqualTo(1);
    assertThat(c.lastChange().reason()).contains("latency p95 425.984ms > 250ms (200 calls)");
  }

  @Test
  void aClientAloneIsNotJudgedAndHoldsTheLevel() {
    StepController c = controller(1);
    c.pin(2, "test");
    c.unpin("test"); // level 2, not pinned
    for (int interval = 1; interval <= 30; interval++) {
      for (int i = 0; i < 100; i++) {
        call(c, Duration.ofMillis(400), true, "only-client");
      }
      c.tick(ticker.read());
      assertThat(c.lastHealth().status()).isEqualTo(Health.Status.UNKNOWN);
    }
    assertThat(c.level()).as("neither down (one client) nor up (not healthy)").isEqualTo(2);
    assertThat(c.lastHealth().detail()).contains("latency p95 not judged: 1000 calls in 10 intervals, 1000 of them from "
        + "the client with the most slow calls, 0 from others < 20");

    // a single client whose calls are all fine is judged: set aside is only who makes the interval look bad
    StepController fine = controller(1);
    for (int i = 0; i < 100; i++) {
      call(fine, Duration.ofMillis(10), false, "backend");
    }
    fine.tick(ticker.read());
    assertThat(fine.lastHealth().status()).isEqualTo(Health.Status.HEALTHY);
  }

  @Test
  void unattributedCallsCountInFull() {
    StepController c = controller(1);
    for (int interval = 1; interval <= 3; interval++) {
      for (int i = 0; i < 20; i++) {
        long token = c.callStarted();
        ticker.advance(Duration.ofMillis(400));
        c.callFinished(token, false);
      }
      c.tick(ticker.read());
    }
    assertThat(c.level()).isEqualTo(1);
  }

  @Test
  void timeSpentWaitingForTheClientIsNotLatency() {
    StepController c = StepController.builder("api-health").ticker(ticker).latency(95, Duration.ofMillis(250))
        .build();
    for (int i = 0; i < 40; i++) {
      long token = c.callStarted();
      ticker.advance(Duration.ofMillis(410));
      c.callFinished(token, false, "client-" + i, Duration.ofMillis(400).toNanos());
    }
    c.tick(ticker.read());
    assertThat(c.lastHealth()).isEqualTo(Health.healthy("latency p95 10.240ms <= 250ms (40 calls)"));
  }
}
