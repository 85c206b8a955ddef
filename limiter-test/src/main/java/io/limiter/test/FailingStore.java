package io.limiter.test;

import io.limiter.core.Decision;
import io.limiter.core.KeySpace;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A store that is down, for tests of what happens then: while it fails, every decision of its key spaces throws an
 * {@link IllegalStateException} ("store down"), as a store whose server does not answer throws, so that a test sees
 * the policy's failure mode, a failure handler and the listeners take over. {@link #down()} fails always;
 * {@link #over(RateLimitStore)} decides with the store it wraps until switched to failing ({@link #failing(boolean)}),
 * and back.
 *
 * <p>Its key spaces implement the two {@code acquire} methods; reservations, asynchronous forms, views and handles
 * are {@link KeySpace}'s defaults over them, so they fail alike. Thread-safe: the switch is volatile, and the wrapped
 * store is used as it is.
 */
public final class FailingStore implements RateLimitStore {

  private final @Nullable RateLimitStore store;
  private volatile boolean failing;

  private FailingStore(@Nullable RateLimitStore store, boolean failing) {
    this.store = store;
    this.failing = failing;
  }

  /** @return a store whose every decision throws */
  public static FailingStore down() {
    return new FailingStore(null, true);
  }

  /**
   * @param store the store that decides while this one does not fail; closed with it
   * @return a store that decides with {@code store} until switched to failing
   */
  public static FailingStore over(RateLimitStore store) {
    return new FailingStore(Objects.requireNonNull(store, "store"), false);
  }

  /**
   * @param failing whether decisions throw from now on (a store made by {@link #down()} has nothing to decide with:
   *     it cannot be switched back)
   * @return this store
   * @throws IllegalStateException if switched back without a store to decide with
   */
  public FailingStore failing(boolean failing) {
    if (!failing && store == null) {
      throw new IllegalStateException("FailingStore.down() has no store to decide with; use FailingStore.over(store)");
    }
    this.failing = failing;
    return this;
  }

  /** @return whether decisions throw now */
  public boolean failing() {
    return failing;
  }

  @Override
  public KeySpace keySpace(LimitPolicy policy) {
    KeySpace space = store == null ? null : store.keySpace(policy);
    return new KeySpace() {
      @Override
      public LimitPolicy policy() {
        return policy;
      }

      @Override
      public Decision acquire(String key, long permits) {
        return decider(space).acquire(key, permits);
      }

      @Override
      public Decision acquire(String key, long permits, LimitPolicy effective) {
        return decider(space).acquire(key, permits, effective);
      }
    };
  }

  /** The wrapped store's key space, or the failure a store that is down answers with. */
  private KeySpace decider(@Nullable KeySpace space) {
    if (failing || space == null) {
      throw new IllegalStateException("store down");
    }
    return space;
  }

  @Override
  public long trackedKeys() {
    return store == null ? 0 : store.trackedKeys();
  }

  @Override
  public void close() {
    if (store != null) {
      store.close();
    }
  }

  @Override
  public String toString() {
    return "FailingStore{" + (failing ? "failing" : "up") + (store == null ? "" : ", over " + store) + "}";
  }
}
