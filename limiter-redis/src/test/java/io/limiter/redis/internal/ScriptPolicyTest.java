package io.limiter.redis.internal;

import static io.limiter.test.DecisionAssert.assertThat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.LimitSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptPolicyTest {

  private static ScriptPolicy prepared(String spec, Algorithm algorithm) {
    return ScriptPolicy.of(LimitPolicy.builder("p").limits(spec).algorithm(algorithm).build(), 1000);
  }

  @Test
  void tokenBucketArgumentsSplitNanosecondsIntoMicrosecondsAndRest() {
    ScriptPolicy p = prepared("7/minute", Algorithm.TOKEN_BUCKET); // interval 8,571,428,572 ns
    assertThat(p.args(1, null)).containsExactly("", "g" + Long.toString(60_000_000_000L, 36) + ":", "1000",
        "8571428", "572", "60000000", "4", "1000");
    assertThat(p.args(2, "1700000000000000")).containsExactly("1700000000000000", p.tag() + ":", "1000", "17142857", "144",
        "60000000", "4", "1000");
    assertThat(p.args(8, null)).as("more than the burst: never").containsSequence("-1", "0");
  }

  @Test
  void fastTokenBucketsPassTheirExactIntervalAsAFractionOfANanosecond() {
    // 999999999/second: T = 1000000000/999999999 ns; rests in units of 1/(1000·999999999) µs
    ScriptPolicy p = prepared("999999999/second", Algorithm.TOKEN_BUCKET);
    String base = Long.toString(1000L * 999_999_999L);
    // T = 1 ns + 1/999999999 ns: 0 µs and a rest of 1·999999999 + 1 units; B = 999999999·T = 1 s exactly
    assertThat(p.args(1, null)).endsWith("0", "1000000000", "1000000", "0", base);
    // 70% of 10^9/second: T = 10/7 ns
    ScriptPolicy level = prepared("700000000/second", Algorithm.TOKEN_BUCKET);
    assertThat(level.args(7, null)).endsWith("0", Long.toString(10 * 7), "1000000", "0", "7000");
  }

  @Test
  void windowArgumentsAreMicrosecondWindowsPermitsAndCost() {
    assertThat(prepared("100/hour; 10/second", Algorithm.FIXED_WINDOW).args(3, null)).as("canonical order")
        .containsExactly("", "f" + Long.toString(1_000_000_000L, 36) + "." + Long.toString(3_600_000_000_000L, 36)
            + ":", "1000", "1000000", "10", "3", "3600000000", "100", "3");
    assertThat(prepared("5/2 seconds", Algorithm.SLIDING_WINDOW).args(1, null))
        .containsExactly("", "s" + Long.toString(2_000_000_000L, 36) + ":", "1000", "2000000", "5", "1");
  }

  @Test
  void aPolicyThatWarmsUpHasAShapeOfItsOwnAndTheWarmUpArguments() {
    // four state words a limit (tat and how cold): never read as the two words of the same periods without a warm-up
    ScriptPolicy warm = prepared("10/second; 100/minute warmup 1m", Algorithm.TOKEN_BUCKET);
    ScriptPolicy plain = prepared("10/second; 100/minute", Algorithm.TOKEN_BUCKET);
    assertThat(warm.tag()).isEqualTo("w" + Long.toString(1_000_000_000L, 36) + "."
        + Long.toString(60_000_000_000L, 36) + "!");
    assertThat(plain.tag()).isEqualTo("g" + Long.toString(1_000_000_000L, 36) + "."
        + Long.toString(60_000_000_000L, 36));
    assertThat(warm.args(1, null)).hasSize(3 + 2 * WarmBucketScript.ARGS);
    assertThatIllegalArgumentException().isThrownBy(() -> plain.view(LimitPolicy.of("p", "10/second; 100/minute warmup 1m")));
  }

  @Test
  void aWarmUpBeyondWhatLuaComputesExactlyIsRefusedNamingTheLimit() {
    assertThatIllegalArgumentException().isThrownBy(() -> prepared("1/day warmup 60d", Algorithm.TOKEN_BUCKET))
        .withMessageContaining("policy p cannot be decided on Redis: limit ").withMessageContaining("warms up with three times");
  }

  @Test
  void argumentVectorsAreFreshCopies() {
    ScriptPolicy p = prepared("10/second", Algorithm.TOKEN_BUCKET);
    String[] first = p.args(1, "5");
    assertThat(p.args(1, null)[0]).isEmpty();
    assertThat(first[0]).isEqualTo("5");
  }

  @Test
  void limitsBeyondExactLuaArithmeticAreRejectedNamingThePolicyAndLimit() {
    // a burst that takes 145 years to refill: below the core's 2^62 ns, above the 2^52 µs the scripts allow
    LimitPolicy huge = LimitPolicy.builder("huge").limits(Limit.of(1, Duration.ofDays(1000), 53)).build();
    assertThatIllegalArgumentException().isThrownBy(() -> ScriptPolicy.of(huge, 1000))
        .withMessageContaining("policy huge").withMessageContaining("1/1000 days burst 53")
        .withMessageContaining("142 years");
    LimitPolicy fine = LimitPolicy.builder("fine").limits(Limit.of(1, Duration.ofDays(1000), 52)).build();
    assertThat(ScriptPolicy.of(fine, 1000).spanMicros).isLessThanOrEqualTo(LimitScript.MAX_SPAN_MICROS);
    // every window the core accepts fits
    for (Algorithm algorithm : List.of(Algorithm.FIXED_WINDOW, Algorithm.SLIDING_WINDOW)) {
      ScriptPolicy.of(LimitPolicy.builder("w").limits("2147483647/3650 days").algorithm(algorithm).build(), 1000);
    }
  }

  @Test
  void aTokenBucketReplyBecomesTheKernelsDecision() {
    ScriptPolicy p = prepared("10/second", Algorithm.TOKEN_BUCKET); // interval 100 ms, capacity 1 s
    // admitted, debt 300 ms after the charge
    Decision allowed = p.decision(List.of(1L, 1L, 300_000L, 0L), 1, 0);
    assertThat(allowed).isAllowed().hasRemaining(7);
    assertThat(allowed.resetAfter()).isEqualTo(Duration.ofMillis(300));
    assertThat(allowed.refillAfter()).isEqualTo(Duration.ofMillis(100));
    // rejected at a debt of 950 ms: one more permit in 50 ms, three more in 250 ms
    Decision rejected = p.decision(List.of(1L, 0L, 950_000L, 0L), 3, 0);
    assertThat(rejected).isRejected().hasRemaining(0).hasRetryAfter(Duration.ofMillis(250));
    assertThat(rejected.refillAfter()).isEqualTo(Duration.ofMillis(50));
  }

  @Test
  void subMicrosecondIntervalsRoundDurationsUpToTheNextMicrosecond() {
    ScriptPolicy p = prepared("7/minute", Algorithm.TOKEN_BUCKET);
    // debt of exactly one interval (8,571,428,572 ns) plus a wanted permit: 4 ns over the capacity
    Decision d = p.decision(List.of(1L, 0L, 51_428_571L, 436L), 1, 0);
    assertThat(d).isRejected().hasRetryAfter(Duration.ofNanos(1_000)); // 4 ns, rounded up
    // measured from a clock 250 ns past the microsecond the script decided at
    assertThat(p.decision(List.of(1L, 0L, 51_428_571L, 436L), 1, 250)).hasRetryAfter(Duration.ofNanos(750));
  }

  @Test
  void multiLimitDecisionsNameTheLimitThatDecides() {
    ScriptPolicy p = prepared("5/second; 6/minute", Algorithm.FIXED_WINDOW);
    // per limit: count, µs to window end
    Decision rejected = p.decision(List.of(1L, 0L, 5L, 400_000L, 6L, 30_000_000L), 1, 0);
    assertThat(rejected).isRejected().isDecidedBy(Limit.of(6, Duration.ofMinutes(1)))
        .hasRetryAfter(Duration.ofSeconds(30));
    assertThat(rejected.limitStates()).hasSize(2);
    Decision allowed = p.decision(List.of(1L, 1L, 2L, 400_000L, 5L, 30_000_000L), 1, 0);
    assertThat(allowed).isAllowed().isDecidedBy(Limit.of(6, Duration.ofMinutes(1))).hasRemaining(1);
    assertThat(p.decision(List.of(1L, 0L, 0L, 1L, 0L, 1L), 7, 0)).isRejected().neverSucceeds();
  }

  @Test
  void theTagIsTheShapeAlgorithmAndPeriodsInCanonicalOrder() {
    ScriptPolicy p = prepared("5/second; 6/minute", Algorithm.FIXED_WINDOW);
    // same shape: counts, order, cost, shadow and failure mode do not matter
    assertThat(prepared("60/minute; 50/second", Algorithm.FIXED_WINDOW).tag()).isEqualTo(p.tag());
    assertThat(ScriptPolicy.of(p.policy.toBuilder().cost(2).shadow(true).build(), 1000).tag()).isEqualTo(p.tag());
    // another shape: a period, the number of limits or the algorithm differs
    assertThat(List.of(p.tag(), prepared("300/minute", Algorithm.FIXED_WINDOW).tag(),
        prepared("5/second; 6/hour", Algorithm.FIXED_WINDOW).tag(),
        prepared("5/second; 6/minute; 7/hour", Algorithm.FIXED_WINDOW).tag(),
        prepared("5/second", Algorithm.FIXED_WINDOW).tag(),
        prepared("5/second; 6/minute", Algorithm.SLIDING_WINDOW).tag(),
        prepared("5/second; 6/minute", Algorithm.TOKEN_BUCKET).tag()))
        .doesNotHaveDuplicates();
    // a token bucket's burst is not its shape; one limit uses the single-limit script with the same tag
    assertThat(prepared("10/second burst 100", Algorithm.TOKEN_BUCKET).tag())
        .isEqualTo(prepared("3/second", Algorithm.TOKEN_BUCKET).tag());
  }

  @Test
  void viewsDecideOnTheBasesStateOrAreRefused() {
    ScriptPolicy base = prepared("100/minute; 10/second", Algorithm.FIXED_WINDOW);
    LimitPolicy level = base.policy.withLimits(LimitSpec.parse("5/second; 50/minute"));
    assertThat(base.view(level).tag()).as("same shape, other order").isEqualTo(base.tag());
    assertThatIllegalArgumentException().isThrownBy(() -> base.view(base.policy.withLimits(
        LimitSpec.parse("100/hour; 10/second")))).withMessageContaining("periods of the limits must match");
    assertThatIllegalArgumentException().isThrownBy(() -> base.view(LimitPolicy.builder("other")
        .limits("100/minute; 10/second").algorithm(Algorithm.FIXED_WINDOW).build()));
    // token-bucket state is a point in time: a level with other periods decides on the base's layout and tag
    ScriptPolicy bucket = prepared("10/minute", Algorithm.TOKEN_BUCKET);
    ScriptPolicy hourly = bucket.view(bucket.policy.withLimits(LimitSpec.parse("10/hour")));
    assertThat(hourly.tag()).isEqualTo(bucket.tag());
    assertThat(hourly.args(1, null)).containsSequence("360000000", "0");
  }

  @Test
  void repliesInCanonicalOrderAreReportedInThePolicysOrder() {
    ScriptPolicy p = prepared("6/minute; 5/second", Algorithm.FIXED_WINDOW); // canonical: 5/second, 6/minute
    Decision rejected = p.decision(List.of(1L, 0L, 5L, 400_000L, 6L, 30_000_000L), 1, 0);
    assertThat(rejected).isRejected().isDecidedBy(Limit.of(6, Duration.ofMinutes(1)))
        .hasRetryAfter(Duration.ofSeconds(30));
    assertThat(rejected.limitIndex()).isZero();
    assertThat(rejected.limitStates().get(1).limit()).isEqualTo(Limit.of(5, Duration.ofSeconds(1)));
  }

  @Test
  void scriptsHaveDistinctShasAndTags() {
    assertThat(List.of(TokenBucketScript.INSTANCE.sha(), TokenBucketScript.SINGLE.sha(),
        FixedWindowScript.INSTANCE.sha(), SlidingWindowScript.INSTANCE.sha(), MovingWindowScript.INSTANCE.sha(),
        MovingWindowScript.INSTANCE.settleScript().sha(), SettleScript.INSTANCE.sha()))
        .doesNotHaveDuplicates().allMatch(s -> s.matches("[0-9a-f]{40}"));
    assertThat(TokenBucketScript.INSTANCE.source()).startsWith("-- Limiter").contains("redis.call('TIME')")
        .contains("local function save_state");
    // the single-limit body has one helper function, the arithmetic it shares with the lean vector script (one call
    // and one closure per call cost it about 0.2 µs of 8 in script time); its state I/O (direct_io.lua) goes first
    assertThat(TokenBucketScript.SINGLE.source()).startsWith("-- Limiter").contains("redis.call('TIME')")
        .contains("local function read_words");
    assertThat(TokenBucketScript.SINGLE.body().split("local function", -1)).hasSize(2);
    assertThat(TokenBucketScript.SINGLE.body()).contains("local function bucket_step")
        .doesNotContain("redis.call('GET'").doesNotContain("redis.call('SET'");
    // a vector's scripts do their state I/O through the call's cache, never through direct_io.lua
    assertThat(BatchScript.SOURCE).contains("redis.call('MGET'").doesNotContain("redis.call('SET', key, tag");
    assertThat(BatchScript.BUCKETS_SOURCE).contains("redis.call('MGET'").contains("local function bucket_step")
        .contains("local function message").doesNotContain("local function read_words");
    assertThat(prepared("5/second", Algorithm.TOKEN_BUCKET).script).isSameAs(TokenBucketScript.SINGLE);
    assertThat(prepared("5/second; 6/minute", Algorithm.TOKEN_BUCKET).script).isSameAs(TokenBucketScript.INSTANCE);
    assertThat(List.of(TokenBucketScript.INSTANCE.letter(), FixedWindowScript.INSTANCE.letter(),
        SlidingWindowScript.INSTANCE.letter(), MovingWindowScript.INSTANCE.letter())).doesNotHaveDuplicates();
    assertThat(prepared("5/second", Algorithm.MOVING_WINDOW).script).isSameAs(MovingWindowScript.INSTANCE);
    assertThat(TokenBucketScript.SINGLE.letter()).isEqualTo(TokenBucketScript.INSTANCE.letter());
  }
}
