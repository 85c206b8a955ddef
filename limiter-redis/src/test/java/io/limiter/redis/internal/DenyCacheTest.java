package io.limiter.redis.internal;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class DenyCacheTest {

  private final LimitPolicy policy = LimitPolicy.of("p", "5/minute; 100/hour");
  private final Decision rejection = Decision.of(policy, false, 1, 10_000_000_000L, new long[] {2, 0},
      new long[] {30_000_000_000L, 3_000_000_000_000L}, new long[] {5_000_000_000L, 10_000_000_000L});

  @Test
  void aRejectionIsRepeatedWithShorterDurationsUntilItsRetryTime() {
    DenyCache cache = new DenyCache(10);
    cache.rejected("k", 1, 1_000, rejection);
    Decision local = cache.check("k", policy, 1, 1_000 + 4_000_000_000L);
    assertThat(local).isRejected().hasRetryAfter(Duration.ofSeconds(6)).isDecidedBy(policy.limits().get(1));
    assertThat(local.limitStates().get(0).resetAfter()).isEqualTo(Duration.ofSeconds(26));
    assertThat(local.limitStates().get(0).refillAfter()).isEqualTo(Duration.ofSeconds(1));
    assertThat(local.limitStates().get(0).remaining()).isEqualTo(2);
    assertThat(cache.check("k", policy, 1, 1_000 + 10_000_000_000L)).as("at the retry time").isNull();
    assertThat(cache.size()).as("expired entries are dropped").isZero();
  }

  @Test
  void onlyTheSameCostUnderTheSameLimitsIsAnswered() {
    DenyCache cache = new DenyCache(10);
    cache.rejected("k", 2, 0, rejection);
    assertThat(cache.check("k", policy, 2, 1)).isNotNull();
    assertThat(cache.check("k", policy, 1, 1)).isNull();
    assertThat(cache.check("k", policy, 3, 1)).isNull();
    assertThat(cache.check("k", policy.withLimits(LimitSpec.parse("50/minute; 100/hour")), 2, 1)).isNull();
    assertThat(cache.check("other", policy, 2, 1)).isNull();
  }

  @Test
  void anAdmissionForgetsTheKey() {
    DenyCache cache = new DenyCache(10);
    cache.rejected("k", 2, 0, rejection);
    cache.admitted("k");
    assertThat(cache.check("k", policy, 2, 1)).isNull();
  }

  @Test
  void neverAndBoundsAreRespected() {
    DenyCache cache = new DenyCache(2);
    cache.rejected("never", 9, 0, Decision.of(policy, false, 0, Decision.NEVER, new long[] {5, 100},
        new long[] {0, 0}, new long[] {0, 0}));
    assertThat(cache.size()).isZero();
    cache.rejected("a", 1, 0, rejection);
    cache.rejected("b", 1, 0, rejection);
    cache.rejected("c", 1, 1, rejection); // full, nothing expired: the oldest goes
    assertThat(cache.size()).isEqualTo(2);
    assertThat(cache.check("a", policy, 1, 2)).isNull();
    assertThat(cache.check("b", policy, 1, 2)).isNotNull();
    assertThat(cache.check("c", policy, 1, 2)).isNotNull();
    cache.rejected("d", 1, 20_000_000_000L, rejection);
    assertThat(cache.check("d", policy, 1, 20_000_000_001L)).isNotNull();
    assertThat(cache.size()).isLessThanOrEqualTo(2);
  }

  @Test
  void aFullCacheUnderAFloodOfRejectionsNeverScans() {
    // the old sweep scanned every entry once per millisecond of a full cache: 100,000 rejections one millisecond
    // apart cost 100,000 scans of 100,000 entries (minutes); eviction from the insertion queue costs O(1) each
    int max = 100_000;
    DenyCache cache = new DenyCache(max);
    Decision longRejection = Decision.of(policy, false, 1, 3_600_000_000_000L, new long[] {0, 0},
        new long[] {30_000_000_000L, 3_600_000_000_000L}, new long[] {5_000_000_000L, 10_000_000_000L});
    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      for (int i = 0; i < 3 * max; i++) {
        cache.rejected("key-" + i, 1, i * 1_000_000L, longRejection);
        if (i % 7 == 0) {
          cache.rejected("key-" + (i / 2), 1, i * 1_000_000L, longRejection); // replacing leaves stale nodes
          cache.admitted("key-" + (i / 3));
        }
      }
    });
    assertThat(cache.size()).isLessThanOrEqualTo(max);
    assertThat(cache.check("key-" + (3 * max - 1), policy, 1, 3L * max * 1_000_000L)).isNotNull();
  }
}
