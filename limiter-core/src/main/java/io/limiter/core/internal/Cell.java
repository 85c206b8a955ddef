package io.limiter.core.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The state of one key of one policy. Cells are updated only by compare-and-set, so decisions on one key never lock
 * and decisions on different keys never contend.
 *
 * <p>Expiry protocol (why dropping a cell never loses a charge): a cell is removed from its map only after its state
 * has been CAS-ed to the DEAD sentinel. A decision that meets DEAD fails its own CAS or sees DEAD first, removes the
 * cell from the map if still there, and retries on a fresh cell. Since the CAS to DEAD is conditional on the state
 * the sweeper judged idle, a charge that lands first keeps the cell alive.
 */
abstract class Cell {

  static final long DEAD = Long.MIN_VALUE;
  static final long[] DEAD_STATE = new long[0];

  /** One GCRA timestamp: 12-byte header + 8-byte long = 24 bytes with compressed oops. */
  static final class Single extends Cell {
    private static final VarHandle VALUE;

    static {
      try {
        VALUE = MethodHandles.lookup().findVarHandle(Single.class, "value", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    volatile long value;

    Single(long value) {
      this.value = value;
    }

    boolean compareAndSet(long expected, long next) {
      return VALUE.compareAndSet(this, expected, next);
    }

    long getAndSet(long next) {
      return (long) VALUE.getAndSet(this, next);
    }
  }

  /** An immutable array of state words, replaced as a whole. */
  static final class Multi extends Cell {
    private static final VarHandle VALUE;

    static {
      try {
        VALUE = MethodHandles.lookup().findVarHandle(Multi.class, "value", long[].class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    volatile long[] value;

    Multi(long[] value) {
      this.value = value;
    }

    boolean compareAndSet(long[] expected, long[] next) {
      return VALUE.compareAndSet(this, expected, next);
    }

    long[] getAndSet(long[] next) {
      return (long[]) VALUE.getAndSet(this, next);
    }
  }
}
