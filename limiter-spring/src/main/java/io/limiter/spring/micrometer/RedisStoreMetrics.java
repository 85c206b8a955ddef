package io.limiter.spring.micrometer;

import io.limiter.redis.RedisRateLimitStore;
import io.limiter.redis.RedisStoreStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Objects;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * Publishes the counters of a {@link RedisRateLimitStore} ({@link RedisStoreStats}) to Micrometer, read when the
 * registry is scraped (no cost per decision):
 * <ul>
 *   <li>{@value #DECISIONS} (function counter): decisions Redis made;
 *   <li>{@value #FAILURES} (function counter): Redis calls that failed, timeouts included;
 *   <li>{@value #TIMEOUTS} (function counter): Redis calls that did not answer within the command timeout;
 *   <li>{@value #SKIPPED} (function counter): decisions that did not try Redis because it had failed and was not yet
 *       probed again;
 *   <li>{@value #DEGRADED} (function counter), tag {@code outcome} = {@code allowed} (fail-open, local-fallback
 *       admissions) or {@code rejected} (fail-closed, local-fallback rejections): decisions of the failure modes;
 *   <li>{@value #LOCAL_DENIALS} (function counter): rejections by the local deny cache, without a Redis call;
 *   <li>{@value #SCRIPT_LOADS} (function counter): scripts sent whole after Redis answered {@code NOSCRIPT};
 *   <li>{@value #KEY_ERRORS} (function counter): failures Redis answered for one key or call ({@code WRONGTYPE},
 *       {@code OOM}, a script error), each decided by its policy's failure mode without marking Redis unavailable
 *       (also counted in {@value #FAILURES});
 *   <li>{@value #COALESCED} (function counter): decisions sent in a script call shared with other decisions;
 *   <li>{@value #AVAILABLE} (gauge): 1 while Redis is considered available, 0 from a failure until a probe succeeds.
 * </ul>
 * Per-policy failures are counted by {@link RateLimitMetrics} ({@value RateLimitMetrics#STORE_ERRORS}). The Spring
 * Boot auto-configuration binds this to the registry for a {@link RedisRateLimitStore} bean. Thread-safe.
 */
public final class RedisStoreMetrics implements MeterBinder {

  /** Decisions made by Redis. */
  public static final String DECISIONS = "limiter.redis.decisions";
  /** Failed Redis calls. */
  public static final String FAILURES = "limiter.redis.failures";
  /** Redis calls that timed out. */
  public static final String TIMEOUTS = "limiter.redis.timeouts";
  /** Decisions that did not try Redis. */
  public static final String SKIPPED = "limiter.redis.skipped";
  /** Decisions of the failure modes, by outcome. */
  public static final String DEGRADED = "limiter.redis.degraded";
  /** Rejections by the local deny cache. */
  public static final String LOCAL_DENIALS = "limiter.redis.local.denials";
  /** Scripts reloaded after NOSCRIPT. */
  public static final String SCRIPT_LOADS = "limiter.redis.script.loads";
  /** Failures Redis answered for one key or call. */
  public static final String KEY_ERRORS = "limiter.redis.key.errors";
  /** Decisions sent in a script call shared with other decisions. */
  public static final String COALESCED = "limiter.redis.coalesced";
  /** Whether Redis is considered available. */
  public static final String AVAILABLE = "limiter.redis.available";

  private final RedisRateLimitStore store;

  /**
   * @param store the store whose counters to publish; the meters hold it weakly, as Micrometer's function meters do
   */
  public RedisStoreMetrics(RedisRateLimitStore store) {
    this.store = Objects.requireNonNull(store, "store");
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    counter(registry, DECISIONS, "Rate limit decisions made by Redis", null, RedisStoreStats::serverDecisions);
    counter(registry, FAILURES, "Redis calls of the rate limit store that failed, timeouts included", null,
        RedisStoreStats::failures);
    counter(registry, TIMEOUTS, "Redis calls of the rate limit store that did not answer within the command timeout",
        null, RedisStoreStats::timeouts);
    counter(registry, SKIPPED, "Rate limit decisions that did not try Redis because it had failed", null,
        RedisStoreStats::skipped);
    counter(registry, DEGRADED, "Rate limit decisions made by the failure mode instead of Redis", "allowed",
        RedisStoreStats::degradedAllowed);
    counter(registry, DEGRADED, "Rate limit decisions made by the failure mode instead of Redis", "rejected",
        RedisStoreStats::degradedRejected);
    counter(registry, LOCAL_DENIALS, "Rate limit rejections by the local deny cache, without a Redis call", null,
        RedisStoreStats::localDenials);
    counter(registry, SCRIPT_LOADS, "Rate limit scripts sent whole after Redis answered NOSCRIPT", null,
        RedisStoreStats::scriptLoads);
    counter(registry, KEY_ERRORS, "Redis errors for one key or call (WRONGTYPE, OOM, a script error), decided by "
        + "the failure mode without marking Redis unavailable", null, RedisStoreStats::keyErrors);
    counter(registry, COALESCED, "Rate limit decisions sent to Redis in a script call shared with other decisions",
        null, RedisStoreStats::coalescedDecisions);
    Gauge.builder(AVAILABLE, store, s -> s.stats().available() ? 1 : 0)
        .description("1 while Redis answers the rate limit store, 0 from a failure until a probe succeeds")
        .register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description, @Nullable String outcome,
      ToDoubleFunction<RedisStoreStats> value) {
    FunctionCounter.Builder<RedisRateLimitStore> builder = FunctionCounter.builder(name, store,
        s -> value.applyAsDouble(s.stats())).description(description);
    if (outcome != null) {
      builder.tag("outcome", outcome);
    }
    builder.register(registry);
  }

  @Override
  public String toString() {
    return "RedisStoreMetrics{" + store + "}";
  }
}
