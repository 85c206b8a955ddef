package io.limiter.core.step;

import io.limiter.core.Ticker;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The penalty box of one policy: counts each client's rejections and boxes a client that is rejected more than
 * {@link PenaltyRule#rejections()} times within {@link PenaltyRule#within()}, for {@link PenaltyRule#duration()}.
 * {@link SteppedRateLimiter} asks it on every request whether the client is boxed, and reports every rejection to it.
 *
 * <h2>Exact times</h2>
 * Rejections are kept as timestamps (a sliding log, at most {@code rejections + 1} per client), so the rule is exact:
 * the client is boxed by the rejection at {@code t} if the {@code rejections + 1} most recent rejections, {@code t}
 * included, all fall in {@code (t - within, t]}. It is boxed from {@code t} (inclusive) until
 * {@code t + duration} (exclusive): a request at {@code t + duration - 1ns} is still boxed, one at
 * {@code t + duration} is not. Rejections while boxed are not counted (a client hammering the box does not prolong
 * it), and leaving the box clears the count.
 *
 * <h2>Memory and scope</h2>
 * Only clients with recent rejections have an entry; entries are dropped once their rejections are older than
 * {@code within} and they are not boxed. A boxed client keeps no rejection log (it is dropped on boxing), and a
 * counting client's log grows only with its rejections (to at most {@code rejections + 1} timestamps, 8 bytes each).
 * The box holds at most {@code maxKeys} clients and an estimated {@code maxBytes} of entries: beyond either, clean-up drops
 * clients that are only being counted, so under a flood of new offenders the clients already boxed stay boxed and
 * newcomers are counted again once there is room; boxed clients are dropped only if that is not enough (counted in
 * {@link #evictedBoxedKeys()}). The box is
 * local to this JVM, like the step controller: with a shared Redis store each instance boxes on the rejections it
 * sees.
 *
 * <p>Thread-safe: lookups are lock-free; each client's counting is guarded by its own monitor; clean-up is serialized
 * by a lock that decisions never wait for.
 */
public final class PenaltyBox {

  /** {@link #boxedUntil(String, long)} of a client that is not boxed. */
  public static final long NOT_BOXED = Long.MIN_VALUE;

  private static final System.Logger LOG = System.getLogger(PenaltyBox.class.getName());
  private static final int SWEEP_EVERY = 1024;
  /** The default bound on the estimated bytes of the entries: 64 MiB. */
  public static final long DEFAULT_MAX_BYTES = 64L << 20;
  /** Estimated bytes of an entry besides its timestamps: map node, key, counters. */
  static final long ENTRY_BYTES = 128;
  private static final long[] NO_TIMES = new long[0];

  private final String policy;
  private final PenaltyRule rule;
  private final Ticker ticker;
  private final long maxKeys;
  private final long withinNanos;
  private final long durationNanos;
  private final int capacity;
  private final long maxBytes;
  private final AtomicLong bytes = new AtomicLong();
  private final ConcurrentHashMap<String, Strikes> clients = new ConcurrentHashMap<>();
  private final AtomicLong insertsSinceSweep = new AtomicLong();
  private final ReentrantLock sweepLock = new ReentrantLock();
  private final LongAdder evictedBoxed = new LongAdder();
  private final List<PenaltyListener> listeners = new CopyOnWriteArrayList<>();

  /**
   * Creates an empty box.
   *
   * @param policy the name of the policy, for events
   * @param rule the rule
   * @param ticker the clock of rejections and penalties
   * @param maxKeys the most clients tracked at once, at least 16
   */
  public PenaltyBox(String policy, PenaltyRule rule, Ticker ticker, long maxKeys) {
    this(policy, rule, ticker, maxKeys, DEFAULT_MAX_BYTES);
  }

  /**
   * Creates an empty box bounded by entries and by their estimated bytes.
   *
   * @param policy the name of the policy, for events
   * @param rule the rule
   * @param ticker the clock of rejections and penalties
   * @param maxKeys the most clients tracked at once, at least 16
   * @param maxBytes the most estimated bytes of entries (128 per entry plus 8 per kept rejection), at least 64 KiB
   */
  public PenaltyBox(String policy, PenaltyRule rule, Ticker ticker, long maxKeys, long maxBytes) {
    if (maxBytes < 65_536) {
      throw new IllegalArgumentException("maxBytes must be >= 65536 but was " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.policy = Objects.requireNonNull(policy, "policy");
    this.rule = Objects.requireNonNull(rule, "rule");
    this.ticker = Objects.requireNonNull(ticker, "ticker");
    if (maxKeys < 16) {
      throw new IllegalArgumentException("maxKeys must be >= 16 but was " + maxKeys);
    }
    this.maxKeys = maxKeys;
    this.withinNanos = rule.within().toNanos();
    this.durationNanos = rule.duration().toNanos();
    this.capacity = (int) rule.rejections() + 1;
  }

  /** @return the rule */
  public PenaltyRule rule() {
    return rule;
  }

  /** @return the clock */
  public Ticker ticker() {
    return ticker;
  }

  /**
   * Adds a listener.
   *
   * @param listener the listener
   */
  public void addListener(PenaltyListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Returns when the client's penalty ends, noticing (and reporting) a penalty that has run out.
   *
   * @param key the canonical key
   * @param now the time on {@link #ticker()}
   * @return the end of the penalty, later than {@code now}, or {@link #NOT_BOXED}
   */
  public long boxedUntil(String key, long now) {
    Strikes s = clients.get(key);
    if (s == null) {
      return NOT_BOXED;
    }
    long until = s.until;
    if (until == NOT_BOXED) {
      return NOT_BOXED;
    }
    if (now - until < 0) {
      return until;
    }
    PenaltyEvent exit = null;
    synchronized (s) {
      if (s.until != NOT_BOXED && now - s.until >= 0) {
        exit = new PenaltyEvent(policy, key, PenaltyEvent.Type.EXITED, s.until, s.until, capacity);
        s.release();
      }
    }
    publish(exit);
    return NOT_BOXED;
  }

  /**
   * @param key the canonical key
   * @return whether the client is boxed now
   */
  public boolean isBoxed(String key) {
    return boxedUntil(key, ticker.read()) != NOT_BOXED;
  }

  /**
   * Counts a rejection of the client at {@code now}, boxing it if it was rejected once too often.
   *
   * @param key the canonical key
   * @param now the time on {@link #ticker()}
   * @return whether this rejection boxed the client
   */
  public boolean reject(String key, long now) {
    PenaltyEvent entered = null;
    for (;;) {
      Strikes s = clients.get(key);
      boolean inserted = false;
      if (s == null) {
        Strikes created = new Strikes();
        s = clients.putIfAbsent(key, created);
        if (s == null) {
          s = created;
          inserted = true;
          bytes.addAndGet(ENTRY_BYTES);
        }
      }
      synchronized (s) {
        if (s.dead) {
          continue; // dropped by clean-up meanwhile: count on a fresh entry
        }
        if (s.until != NOT_BOXED) {
          if (now - s.until < 0) {
            return false; // rejections while boxed do not count
          }
          s.release();
        }
        int before = s.times.length;
        boolean full = s.add(now, capacity);
        bytes.addAndGet(8L * (s.times.length - before));
        if (full && now - s.oldest() < withinNanos) {
          s.until = now + durationNanos;
          bytes.addAndGet(-8L * s.times.length);
          s.drop(); // a boxed client's log is not needed until it leaves the box
          entered = new PenaltyEvent(policy, key, PenaltyEvent.Type.ENTERED, now, s.until, capacity);
        }
      }
      publish(entered);
      if (inserted || bytes.get() > maxBytes) {
        onInsert(now); // only after counting: a clean-up must never drop an entry before its first rejection
      }
      return entered != null;
    }
  }

  /**
   * Lets a client out early, e.g. from an operator endpoint.
   *
   * @param key the canonical key
   * @return whether the client was boxed
   */
  public boolean release(String key) {
    Strikes s = clients.get(key);
    if (s == null) {
      return false;
    }
    long now = ticker.read();
    PenaltyEvent released = null;
    synchronized (s) {
      if (s.until != NOT_BOXED && now - s.until < 0) {
        released = new PenaltyEvent(policy, key, PenaltyEvent.Type.RELEASED, now, s.until, capacity);
      }
      s.release();
    }
    publish(released);
    return released != null;
  }

  /** @return the number of clients tracked: boxed, or with recent rejections */
  public long trackedKeys() {
    return clients.size();
  }

  /** @return the estimated bytes of the entries (128 per client plus 8 per kept rejection) */
  public long estimatedBytes() {
    return bytes.get();
  }

  /** @return how many boxed clients were dropped early because more than {@code maxKeys} clients were tracked */
  public long evictedBoxedKeys() {
    return evictedBoxed.sum();
  }

  /** Drops the entries that no longer matter and reports penalties that ran out. */
  public void cleanUp() {
    sweepLock.lock();
    try {
      sweep(ticker.read());
    } finally {
      sweepLock.unlock();
    }
  }

  private void onInsert(long now) {
    long size = clients.size();
    if ((size > maxKeys || bytes.get() > maxBytes || insertsSinceSweep.incrementAndGet() >= Math.max(SWEEP_EVERY, size / 2))
        && sweepLock.tryLock()) {
      try {
        sweep(now);
      } finally {
        sweepLock.unlock();
      }
    }
  }

  private void sweep(long now) {
    insertsSinceSweep.set(0);
    List<PenaltyEvent> exits = new ArrayList<>();
    for (int pass = 0; pass < 3; pass++) {
      Iterator<Map.Entry<String, Strikes>> it = clients.entrySet().iterator();
      while (it.hasNext()) {
        if (pass > 0 && clients.size() <= maxKeys - maxKeys / 8 && bytes.get() <= maxBytes - maxBytes / 8) {
          break;
        }
        Map.Entry<String, Strikes> e = it.next();
        Strikes s = e.getValue();
        synchronized (s) {
          if (s.until != NOT_BOXED && now - s.until >= 0) {
            exits.add(new PenaltyEvent(policy, e.getKey(), PenaltyEvent.Type.EXITED, s.until, s.until, capacity));
            s.release();
          }
          boolean boxed = s.until != NOT_BOXED;
          boolean stale = s.count == 0 || now - s.newest() >= withinNanos;
          // pass 0: lossless; pass 1: drop counts of clients that are not boxed; pass 2: drop boxed clients too
          boolean drop = boxed ? pass == 2 : stale || pass >= 1;
          if (drop) {
            if (boxed) {
              evictedBoxed.increment();
            }
            s.dead = true;
            it.remove();
            bytes.addAndGet(-ENTRY_BYTES - 8L * s.times.length);
          }
        }
      }
      if (clients.size() <= maxKeys && bytes.get() <= maxBytes) {
        break;
      }
    }
    for (PenaltyEvent exit : exits) {
      publish(exit);
    }
  }

  private void publish(@Nullable PenaltyEvent event) {

    if (event == null) {
      return;
    }
    if (LOG.isLoggable(Level.DEBUG)) {
      LOG.log(Level.DEBUG, "penalty box of policy " + policy + ": " + event.type() + " " + event.key());
    }
    for (PenaltyListener listener : listeners) {
      try {
        listener.onPenalty(event);
      } catch (RuntimeException ex) {
        LOG.log(Level.WARNING, "penalty listener of policy " + policy + " failed", ex);
      }
    }
  }

  @Override
  public String toString() {
    return "PenaltyBox{" + policy + ": " + rule + ", clients=" + clients.size() + "}";
  }

  /** One client's recent rejections (a ring of timestamps) and penalty; guarded by its own monitor. */
  private static final class Strikes {
    private long[] times = NO_TIMES;
    private int head; // index of the oldest
    private int count;
    /** Read without the monitor on the request path; written under it. */
    volatile long until = NOT_BOXED;
    /** Set under the monitor when clean-up drops the entry; a counting thread then starts over. */
    boolean dead;

    /** Adds a rejection; returns whether the ring is full (holds {@code capacity} rejections). */
    boolean add(long now, int capacity) {
      if (count == times.length && times.length < capacity) {
        long[] grown = new long[Math.min(capacity, Math.max(4, times.length * 2))];
        for (int i = 0; i < count; i++) {
          grown[i] = times[(head + i) % times.length];
        }
        times = grown;
        head = 0;
      }
      if (count < times.length) {
        times[(head + count) % times.length] = now;
        count++;
      } else {
        times[head] = now; // overwrite the oldest
        head = (head + 1) % times.length;
      }
      return count == capacity;
    }

    long oldest() {
      return times[head];
    }

    long newest() {
      return times[(head + count - 1) % times.length];
    }

    void clear() {
      count = 0;
      head = 0;
    }

    /** Clears and frees the log. */
    void drop() {
      clear();
      times = NO_TIMES;
    }

    void release() {
      until = NOT_BOXED;
      clear();
    }
  }
}
