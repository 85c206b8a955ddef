package io.limiter.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.Reservation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * The moving window against the plainest model of it: a list of the times of every permit taken, where a request of
 * {@code n} passes iff fewer than {@code P - n + 1} are younger than the period. Random costs, clock steps (also
 * backwards), refunds and extra charges; every decision's outcome, remaining, retry, reset and refill must match.
 */
class MovingWindowKernelTest {

  private static final long SECOND = 1_000_000_000L;
  private static final long NOON = 1_000_000L * 60 * SECOND;

  /** The model: times of the permits taken, oldest first, as the kernel logs them (never older than the newest). */
  private static final class Log {
    final long window;
    final long permits;
    final List<Long> times = new ArrayList<>();

    Log(long window, long permits) {
      this.window = window;
      this.permits = permits;
    }

    List<Long> live(long now) {
      return times.stream().filter(t -> now - t < window).toList();
    }

    long remaining(long now) {
      return Math.max(0, permits - live(now).size());
    }

    /** Until the {@code j}-th newest live-or-not entry is a window old; 0 if there is none. */
    long expiry(int j, long now) {
      if (j < 0 || j >= times.size()) {
        return 0;
      }
      return Math.max(0, times.get(times.size() - 1 - j) + window - now);
    }

    long wait(long n, long now) {
      return n > permits ? Decision.NEVER : expiry((int) (permits - n), now);
    }

    void take(long n, long now) {
      long t = times.isEmpty() ? now : Math.max(now, times.get(times.size() - 1));
      for (long i = 0; i < n; i++) {
        times.add(t);
      }
      while (times.size() > permits) {
        times.remove(0);
      }
    }

    void refund(long n, long at, long now) {
      if (now - at >= window) {
        return;
      }
      // the oldest live entries not older than the charge
      for (int i = 0; i < times.size() && n > 0; ) {
        long t = times.get(i);
        if (t >= at && now - t < window) {
          times.remove(i);
          n--;
        } else {
          i++;
        }
      }
    }
  }

  @Property(tries = 300)
  void decidesLikeALogOfEveryPermit(@ForAll @IntRange(min = 1, max = 12) int permits,
      @ForAll @IntRange(min = 1, max = 5) int seconds, @ForAll long seed) {
    AtomicLong now = new AtomicLong(NOON);
    RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
    LimitPolicy policy = LimitPolicy.builder("m").limits(permits + " per " + seconds + " seconds")
        .algorithm(Algorithm.MOVING_WINDOW).build();
    KeySpace space = store.keySpace(policy);
    long window = seconds * SECOND;
    Log log = new Log(window, permits);
    Random random = new Random(seed);
    List<long[]> reservations = new ArrayList<>(); // {permits, at}
    List<Reservation> open = new ArrayList<>();
    for (int step = 0; step < 200; step++) {
      int kind = random.nextInt(10);
      if (kind == 0) {
        now.addAndGet(-random.nextInt((int) Math.min(Integer.MAX_VALUE, window)));
      } else if (kind < 6) {
        now.addAndGet((long) (random.nextDouble() * window / Math.max(1, permits / 2)));
      }
      long t = now.get() - NOON;
      if (!open.isEmpty() && random.nextInt(4) == 0) {
        int i = random.nextInt(open.size());
        Reservation r = open.remove(i);
        long[] taken = reservations.remove(i);
        long actual = random.nextInt((int) taken[0] + 3);
        if (actual == 0) {
          r.refund();
        } else {
          r.settle(actual);
        }
        if (actual < taken[0]) {
          log.refund(taken[0] - actual, taken[1], t);
        } else if (actual > taken[0]) {
          log.take(Math.min(actual - taken[0], log.remaining(t)), t);
        }
        continue;
      }
      long n = 1 + random.nextInt(permits + 1);
      String context = "step " + step + ": " + n + " at " + t + " with " + log.times;
      long expectedWait = log.wait(n, t);
      boolean reserve = random.nextBoolean();
      Decision d;
      if (reserve) {
        Reservation r = space.reserve("k", n);
        d = r.decision();
        if (d.allowed()) {
          open.add(r);
          reservations.add(new long[] {n, t});
        }
      } else {
        d = space.acquire("k", n);
      }
      assertThat(d.allowed()).as(context).isEqualTo(expectedWait == 0);
      if (d.allowed()) {
        log.take(n, t);
      } else {
        assertThat(d.retryAfterNanos()).as(context).isEqualTo(expectedWait);
      }
      assertThat(d.remaining()).as(context).isEqualTo(log.remaining(t));
      assertThat(d.resetAfterNanos()).as(context).isEqualTo(log.expiry(0, t));
      long live = log.live(t).size();
      assertThat(d.refillAfterNanos()).as(context)
          .isEqualTo(live == 0 ? 0 : log.expiry((int) Math.min(live, permits) - 1, t));
    }
  }

  @Test
  void theWorkedExampleOfTheAlgorithmsJavadoc() {
    AtomicLong now = new AtomicLong(NOON + 59_900_000_000L); // 12:00:59.9
    RateLimitStore store = RateLimitStore.builder().ticker(now::get).executor(Runnable::run).buildInMemory();
    LimitPolicy policy = LimitPolicy.builder("p").limits("10/minute").algorithm(Algorithm.MOVING_WINDOW).build();
    for (int i = 0; i < 10; i++) {
      assertThat(store.acquire("k", policy, 1).allowed()).isTrue();
    }
    now.set(NOON + 60_100_000_000L); // 12:01:00.1: no edge
    Decision d = store.acquire("k", policy, 1);
    assertThat(d.rejected()).isTrue();
    assertThat(d.retryAfterNanos()).isEqualTo(59_800_000_000L); // 12:01:59.9
    now.set(NOON + 119_900_000_000L);
    assertThat(store.acquire("k", policy, 10).allowed()).isTrue();
  }

  @Test
  void stateIsTwoWordsAndOnePerPermit() {
    LimitPolicy policy = LimitPolicy.builder("p").limits("10/second; 100/minute")
        .algorithm(Algorithm.MOVING_WINDOW).build();
    assertThat(CompiledPolicy.compile(policy).words).isEqualTo(2 + 10 + 2 + 100);
  }
}
