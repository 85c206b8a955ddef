package io.limiter.core.internal;

import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.Reservation;
import io.limiter.core.ScheduledPermits;
import io.limiter.core.Ticker;
import org.jspecify.annotations.Nullable;

/**
 * The decision loop shared by the local stores; subclasses only say how a key's cell is found and dropped. The clock
 * is read <em>before</em> the lookup so that a store whose expiry is based on access time (Caffeine) never expires a
 * cell before the state written by this decision is full again.
 *
 * <p>Time is taken relative to the store's origin (its first ticker reading rounded down to a whole UTC day), so
 * that a ticker starting near {@code Long.MAX_VALUE} and wrapping, as {@code System.nanoTime()} may, still yields
 * ordered timestamps; rounding to a day keeps windows aligned to the ticker's own second/minute/hour/day boundaries.
 */
abstract class LocalKeySpace implements KeySpace {

  static final long DAY_NANOS = 86_400_000_000_000L;

  final CompiledPolicy base;
  /** The cells' shape and layout, shared with every key space of the same policy name and state shape. */
  final CellGroup group;
  private final Ticker ticker;
  private final long origin;
  /** One-entry cache for ad hoc effective policies; step-function throttling uses {@link #view} and never misses it. */
  private volatile @Nullable CompiledPolicy lastEffective;
  /** {@link #settle}, bound once: every reservation of this space shares it instead of capturing its own. */
  private final Reservation.Settler settler = this::settle;

  LocalKeySpace(LimitPolicy policy, CellGroup group, Ticker ticker, long origin) {
    this.group = group;
    this.base = group.compile(policy);
    this.ticker = ticker;
    this.origin = origin;
  }

  /** The first reading of {@code ticker} rounded down to a whole day: a store's origin. */
  static long origin(Ticker ticker) {
    return Math.floorDiv(ticker.read(), DAY_NANOS) * DAY_NANOS;
  }

  /** Nanoseconds since the origin; wrapping subtraction keeps it exact across a ticker overflow. */
  final long now() {
    return ticker.read() - origin;
  }

  /** @return the longest time after a charge until a cell of this space is full again, over every policy used */
  long maxRefillNanos() {
    return group.maxRefillNanos();
  }

  /** Returns the key's cell, or null if it has none. */
  abstract @Nullable Cell lookup(String key);

  /** Maps {@code created} to the key unless another cell got there first; returns the cell now mapped. */
  abstract Cell insert(String key, Cell created);

  /**
   * Called after the first decision on a newly inserted cell. Bookkeeping that may trigger clean-up runs here, not in
   * {@link #insert}: a fresh cell is idle until charged, and a clean-up between insert and charge would drop it.
   */
  void inserted() {
  }

  /** Removes a dead cell from the map if it is still there. */
  abstract void discard(String key, Cell dead);

  @Override
  public LimitPolicy policy() {
    return base.policy;
  }

  @Override
  public Decision acquire(String key, long permits) {
    return acquire(key, permits, base);
  }

  @Override
  public Decision acquire(String key, long permits, LimitPolicy effective) {
    return acquire(key, permits, compiled(effective));
  }

  @Override
  public boolean tryAcquire(String key, long permits) {
    return tryAcquire(key, permits, base);
  }

  @Override
  public KeySpace view(LimitPolicy effective) {
    if (effective == base.policy || effective.equals(base.policy)) {
      return this;
    }
    return new View(compile(effective));
  }

  boolean tryAcquire(String key, long permits, CompiledPolicy policy) {
    checkPermits(permits);
    for (;;) {
      long now = now();
      Cell cell = lookup(key);
      Cell created = null;
      if (cell == null) {
        KeyNormalizer.requireStored(key); // the only way into the store: a refused key never got a cell
        created = group.layout.newCell();
        cell = insert(key, created);
      }
      int verdict = policy.single ? policy.tryAcquire((Cell.Single) cell, now, permits)
          : policy.tryAcquire((Cell.Multi) cell, now, permits);
      if (cell == created) {
        inserted();
      }
      if (verdict >= 0) {
        return verdict == 1;
      }
      discard(key, cell);
    }
  }

  Decision acquire(String key, long permits, CompiledPolicy policy) {
    return acquire(key, permits, policy, null);
  }

  /** The decision loop; stores the time it decided at in {@code at[0]} if {@code at} is given. */
  private Decision acquire(String key, long permits, CompiledPolicy policy, long @Nullable [] at) {
    checkPermits(permits);
    for (;;) {
      long now = now();
      Cell cell = lookup(key);
      Cell created = null;
      if (cell == null) {
        KeyNormalizer.requireStored(key); // the only way into the store: a refused key never got a cell
        created = group.layout.newCell();
        cell = insert(key, created);
      }
      Decision decision = decide(policy, cell, now, permits);
      if (at != null) {
        at[0] = now;
      }
      if (cell == created) {
        inserted();
      }
      if (decision != null) {
        return decision;
      }
      discard(key, cell);
    }
  }

  @Override
  public Reservation reserve(String key, long permits) {
    return reserve(key, permits, base);
  }

  @Override
  public Reservation reserve(String key, long permits, LimitPolicy effective) {
    return reserve(key, permits, compiled(effective));
  }

  /** {@link #acquire(String, long, CompiledPolicy)}, keeping the time of the charge for the settlement. */
  Reservation reserve(String key, long permits, CompiledPolicy policy) {
    long[] at = new long[1];
    Decision decision = acquire(key, permits, policy, at);
    return Reservation.of(decision, key, policy.policy, permits, at[0], settler);
  }

  /** Where a subclass keeps no cells: reserves like {@link #acquire(String, long, CompiledPolicy)} at its clock. */
  final Reservation reserveAt(String key, long permits, CompiledPolicy policy, long stamp, Decision decision) {
    return Reservation.of(decision, key, policy.policy, permits, stamp, settler);
  }

  /**
   * Settles a reservation of this space (or of a view of it) on the key's current cell: a refund of a key that has
   * expired meanwhile is a no-op (its state was full again); an extra charge makes a cell if there is none.
   */
  void settle(Reservation reservation, long actual) {
    CompiledPolicy policy = compiled(reservation.policy());
    long delta = actual - reservation.permits();
    String key = reservation.key();
    for (;;) {
      long now = now();
      Cell cell = lookup(key);
      Cell created = null;
      if (cell == null) {
        if (delta < 0) {
          return;
        }
        created = group.layout.newCell();
        cell = insert(key, created);
      }
      boolean live = policy.settle(cell, now, reservation.stamp(), delta);
      if (cell == created) {
        inserted();
      }
      if (live) {
        return;
      }
      discard(key, cell);
    }
  }

  @Override
  public ScheduledPermits schedule(String key, long permits, long maxWaitNanos) {
    return schedule(key, permits, maxWaitNanos, base);
  }

  /**
   * Reserves a future slot ({@link CompiledPolicy#schedule}); a wait of 0 decides as {@link #acquire}. The group keeps
   * cells the longer for it, before the clock is read (as {@link CellGroup#compile} does for a slower policy).
   */
  ScheduledPermits schedule(String key, long permits, long maxWaitNanos, CompiledPolicy policy) {
    if (maxWaitNanos == 0) {
      return ScheduledPermits.immediate(acquire(key, permits, policy));
    }
    long maxWait = checkWait(policy.policy, maxWaitNanos);
    checkPermits(permits);
    group.allowAhead(maxWait);
    for (;;) {
      long now = now();
      Cell cell = lookup(key);
      Cell created = null;
      if (cell == null) {
        KeyNormalizer.requireStored(key);
        created = group.layout.newCell();
        cell = insert(key, created);
      }
      ScheduledPermits slot = policy.schedule(cell, now, permits, maxWait);
      if (cell == created) {
        inserted();
      }
      if (slot != null) {
        return slot;
      }
      discard(key, cell);
    }
  }

  /** The longest wait a store reserves ahead: no wait of a policy the grammar accepts comes near it. */
  static final long MAX_WAIT_NANOS = 1L << 61;

  /** Checks a wait for a future slot, capped at {@link #MAX_WAIT_NANOS}. */
  static long checkWait(LimitPolicy policy, long maxWaitNanos) {
    if (maxWaitNanos < 0) {
      throw new IllegalArgumentException("maxWaitNanos must be >= 0 but was " + maxWaitNanos);
    }
    KeySpace.requireWaitable(policy);
    return Math.min(maxWaitNanos, MAX_WAIT_NANOS);
  }

  static @Nullable Decision decide(CompiledPolicy policy, Cell cell, long now, long permits) {
    return policy.single ? policy.acquire((Cell.Single) cell, now, permits)
        : policy.acquire((Cell.Multi) cell, now, permits);
  }

  CompiledPolicy compiled(LimitPolicy effective) {
    if (effective == base.policy || effective.equals(base.policy)) {
      return base;
    }
    CompiledPolicy last = lastEffective;
    if (last != null && last.policy.equals(effective)) {
      return last;
    }
    CompiledPolicy compiled = compile(effective);
    lastEffective = compiled;
    return compiled;
  }

  /** Compiles a policy to decide on this space's cells and widens the expiry bound to its refill time. */
  private CompiledPolicy compile(LimitPolicy effective) {
    if (!base.compatibleWith(effective)) {
      throw new IllegalArgumentException("policy " + effective + " cannot decide on the state of " + base.policy
          + ": name, algorithm and number of limits must match (and the periods, in any order, for window algorithms)");
    }
    return group.compile(effective);
  }

  static void checkPermits(long permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be >= 1 but was " + permits);
    }
  }

  /** The same cells, decided with other limits; holds the compiled policy so a decision needs no lookup. */
  private final class View implements KeySpace {
    private final CompiledPolicy policy;

    View(CompiledPolicy policy) {
      this.policy = policy;
    }

    @Override
    public LimitPolicy policy() {
      return policy.policy;
    }

    @Override
    public Decision acquire(String key, long permits) {
      return LocalKeySpace.this.acquire(key, permits, policy);
    }

    @Override
    public Decision acquire(String key, long permits, LimitPolicy effective) {
      return LocalKeySpace.this.acquire(key, permits, effective);
    }

    @Override
    public boolean tryAcquire(String key, long permits) {
      return LocalKeySpace.this.tryAcquire(key, permits, policy);
    }

    @Override
    public Reservation reserve(String key, long permits) {
      return LocalKeySpace.this.reserve(key, permits, policy);
    }

    @Override
    public Reservation reserve(String key, long permits, LimitPolicy effective) {
      return LocalKeySpace.this.reserve(key, permits, effective);
    }

    @Override
    public KeySpace view(LimitPolicy effective) {
      return LocalKeySpace.this.view(effective);
    }

    @Override
    public ScheduledPermits schedule(String key, long permits, long maxWaitNanos) {
      return LocalKeySpace.this.schedule(key, permits, maxWaitNanos, policy);
    }

    @Override
    public String toString() {
      return "KeySpace.View{" + policy.policy + "}";
    }
  }
}
