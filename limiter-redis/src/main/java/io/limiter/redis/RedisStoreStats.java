package io.limiter.redis;

/**
 * Counters of a {@link RedisRateLimitStore} since it was created, for metrics and health checks. A snapshot: the
 * counters are read one after another, not atomically together. Immutable.
 *
 * @param available whether Redis is considered available (false from a failed call until a probe succeeds)
 * @param serverDecisions decisions made by Redis
 * @param localDenials rejections by the local deny cache, without a Redis call
 * @param failures Redis calls that failed, timeouts included
 * @param timeouts Redis calls that did not answer within the command timeout
 * @param skipped decisions that did not try Redis because it was unavailable (decided by the failure handler)
 * @param degradedAllowed degraded admissions: {@code FAIL_OPEN}, and {@code LOCAL_FALLBACK} admissions
 * @param degradedRejected degraded rejections: {@code FAIL_CLOSED}, and {@code LOCAL_FALLBACK} rejections
 * @param scriptLoads scripts loaded ({@code SCRIPT LOAD}) after Redis answered {@code NOSCRIPT}
 * @param keyErrors failures (counted in {@code failures} too) that Redis answered for one key or call, such as
 *     {@code WRONGTYPE}, {@code OOM} or a script error: decided by the failure mode without marking Redis unavailable
 * @param coalescedDecisions requests sent to Redis in a script call shared with other requests (coalescing), out of
 *     all requests sent
 */
public record RedisStoreStats(boolean available, long serverDecisions, long localDenials, long failures,
    long timeouts, long skipped, long degradedAllowed, long degradedRejected, long scriptLoads,
    long keyErrors, long coalescedDecisions) {

  /** @return all degraded decisions: decided by the failure handler instead of Redis */
  public long degradedDecisions() {
    return degradedAllowed + degradedRejected;
  }
}
