package io.limiter.redis.internal;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Remembers rejections so that a client known to be over its limit is rejected without a Redis call until the time
 * Redis named. It never admits anything (only rejects), and it never rejects what Redis would admit:
 * <ul>
 *   <li>a rejection of {@code n} permits with retry-after {@code R} means no request of {@code n} permits can succeed
 *       before {@code R} has passed, whatever other instances do meanwhile (they only add charges);
 *   <li>the entry applies only to the same effective policy (a step level or tier with other limits decides anew)
 *       and to requests of exactly {@code n} permits (other costs have other retry times, so Redis answers them);
 *   <li>{@code R} is counted from the local clock reading taken <em>before</em> the request was sent, which is no
 *       later than the moment Redis decided, so the entry expires no later than Redis's own answer would change.
 * </ul>
 * The retry-after of a local rejection is exact while this instance is the only one charging the key (an admission
 * through this instance drops the entry); charges by other instances can only make Redis's real answer later, so a
 * local rejection may name too early a retry, never too late a one.
 * Bounded: at most about {@code maxEntries}. Eviction is amortized O(1), never a scan (the cache exists for floods of
 * rejections, when a scan per insertion would cost most): entries also sit in a FIFO queue in insertion order, and
 * each insertion into a full cache drops the oldest entries (expired or not: dropping one only costs a Redis call).
 * Queue nodes of replaced or forgotten entries are skipped when they reach the head.
 */
final class DenyCache {

  private final int maxEntries;
  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  /** Every entry put, oldest first; nodes whose entry was replaced or removed are stale and skipped. */
  private final ConcurrentLinkedQueue<Entry> order = new ConcurrentLinkedQueue<>();
  /** Nodes in {@link #order} (ConcurrentLinkedQueue.size() is a scan). */
  private final AtomicInteger queued = new AtomicInteger();

  DenyCache(int maxEntries) {
    this.maxEntries = maxEntries;
  }

  private static final class Entry {
    final String key;
    final LimitPolicy policy;
    final long permits;
    final long decidedAt;
    final long until;
    final Decision decision;

    Entry(String key, LimitPolicy policy, long permits, long decidedAt, long until, Decision decision) {
      this.key = key;
      this.policy = policy;
      this.permits = permits;
      this.decidedAt = decidedAt;
      this.until = until;
      this.decision = decision;
    }
  }

  /**
   * Returns a local rejection if {@code redisKey} is known to reject this request now, else null.
   *
   * @param redisKey the state's key
   * @param policy the effective policy of the request
   * @param permits its cost
   * @param now the local clock
   * @return the rejection Redis gave, with durations shortened by the time since (the remaining permits are as Redis
   *     reported them then), or null
   */
  @Nullable Decision check(String redisKey, LimitPolicy policy, long permits, long now) {
    Entry e = entries.get(redisKey);
    if (e == null) {
      return null;
    }
    if (now - e.until >= 0) {
      entries.remove(redisKey, e);
      return null;
    }
    if (permits != e.permits || !(e.policy == policy || e.policy.equals(policy))) {
      return null;
    }
    return shifted(e.decision, now - e.decidedAt);
  }

  /**
   * Remembers a rejection by Redis.
   *
   * @param redisKey the state's key
   * @param permits the rejected cost
   * @param sentAt the local clock reading taken before the request was sent
   * @param decision the rejection
   */
  void rejected(String redisKey, long permits, long sentAt, Decision decision) {
    long retry = decision.retryAfterNanos();
    if (retry == Decision.NEVER || retry <= 0) {
      return; // a cost above the capacity is rejected at once anyway
    }
    if (decision.policy().algorithm() == io.limiter.core.Algorithm.CONCURRENCY) {
      return; // a permit comes back when a call on any instance ends, not at the retry time (the oldest lease's end)
    }
    Entry entry = new Entry(redisKey, decision.policy(), permits, sentAt, sentAt + retry, decision);
    entries.put(redisKey, entry);
    order.offer(entry);
    int nodes = queued.incrementAndGet();
    // each insertion removes at most two nodes: the map stays near its bound, the queue below twice it
    for (int i = 0; i < 2 && (nodes > 2 * maxEntries || entries.size() > maxEntries); i++) {
      Entry oldest = order.poll();
      if (oldest == null) {
        break;
      }
      nodes = queued.decrementAndGet();
      entries.remove(oldest.key, oldest); // no-op for a stale node
    }
  }

  /**
   * Forgets a key's rejection after Redis admitted a request for it (of another cost or under other limits): the
   * charge moved the key's retry times, so the remembered one is stale.
   *
   * @param redisKey the state's key
   */
  void admitted(String redisKey) {
    if (!entries.isEmpty()) {
      entries.remove(redisKey);
    }
  }

  int size() {
    return entries.size();
  }

  /** The cached rejection as seen {@code elapsed} later: every duration shorter by that much. */
  private static Decision shifted(Decision d, long elapsed) {
    if (elapsed <= 0) {
      return d;
    }
    LimitPolicy policy = d.policy();
    List<Decision.LimitState> states = d.limitStates();
    long retry = d.retryAfterNanos() - elapsed;
    if (states.size() == 1) {
      Decision.LimitState s = states.get(0);
      return Decision.rejected(policy, 0, s.remaining(), retry, s.resetAfterNanos() - elapsed,
          s.refillAfterNanos() - elapsed);
    }
    long[] remaining = new long[states.size()];
    long[] reset = new long[states.size()];
    long[] refill = new long[states.size()];
    for (int i = 0; i < remaining.length; i++) {
      Decision.LimitState s = states.get(i);
      remaining[i] = s.remaining();
      reset[i] = s.resetAfterNanos() - elapsed;
      refill[i] = s.refillAfterNanos() - elapsed;
    }
    return Decision.of(policy, false, d.limitIndex(), retry, remaining, reset, refill);
  }
}
