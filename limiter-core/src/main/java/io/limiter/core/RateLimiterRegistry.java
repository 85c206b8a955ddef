package io.limiter.core;

import io.limiter.core.internal.DefaultRateLimiter;
import io.limiter.core.internal.ReplaceableRateLimiter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The configured policies of an application, each bound to the shared store as a {@link RateLimiter}, looked up by
 * name. It holds one entry per <em>policy</em>, never one per client key.
 *
 * <pre>{@code
 * RateLimiterRegistry registry = RateLimiterRegistry.builder()
 *     .store(RateLimitStore.inMemory())
 *     .policy(LimitPolicy.of("api", "100/minute"))
 *     .build();
 * registry.limiter("api").tryAcquire(clientIp);
 * }</pre>
 *
 * <p>Thread-safe. Policies can be added later with {@link #register(LimitPolicy)} (annotations with an inline spec
 * do this at startup), and <b>replaced at runtime</b> with {@link #replace(LimitPolicy)} and
 * {@link #replaceAll(Collection)}: the limiters this registry hands out follow the change on their next call (a call
 * decides wholly under the old or the new policy), and each client's state carries over when the policy's shape (its
 * algorithm and the periods of its limits) stays the same, interpreted under the new limits; another shape starts every
 * client from empty state, never a lockout. Every change is reported to the change listeners
 * ({@link #addChangeListener}). What is built on a policy and must change with it (a stepped limiter's steps) is
 * a {@link Follower}: it is asked before the change is made, and a follower that cannot follow refuses the whole
 * change.
 */
public final class RateLimiterRegistry {

  /**
   * What must change together with one of the registry's policies, such as the effective limits a stepped limiter
   * composed from it ({@link io.limiter.core.step.StepParts} makes every stepped limiter it builds a follower of its
   * policy). Asked first, for every policy of a change, whether it can follow; the change is made only if every
   * follower can, and then each follower's prepared step runs right after the swap, while changes are still
   * serialized. Implementations must be thread-safe.
   */
  @FunctionalInterface
  public interface Follower {
    /**
     * Prepares to follow a change, without changing anything yet.
     *
     * @param change the change about to be made ({@link PolicyChange#previous()} is the policy in force)
     * @param problems receives why this follower cannot follow it, each a complete sentence naming the policy
     * @return what makes the follower follow (run once, if the change is made), or null for nothing to do
     */
    @Nullable Runnable prepare(PolicyChange change, List<String> problems);

  }

  private final RateLimitStore store;
  private final @Nullable RateLimitListener listener;
  private final @Nullable Pacer pacer;
  private final ConcurrentMap<String, ReplaceableRateLimiter> limiters = new ConcurrentHashMap<>();
  /** Serializes changes (never decisions), so that a change of several policies is applied as one. */
  private final ReentrantLock changes = new ReentrantLock();
  private final List<Consumer<PolicyChange>> changeListeners = new CopyOnWriteArrayList<>();
  private final ConcurrentMap<String, List<Follower>> followers = new ConcurrentHashMap<>();

  private RateLimiterRegistry(Builder builder) {
    this.store = Objects.requireNonNull(builder.store, "store"); // build() set it
    this.listener = builder.listeners.isEmpty() ? null : RateLimitListener.composite(builder.listeners);
    this.pacer = builder.pacer;
    for (LimitPolicy policy : builder.policies) {
      register(policy);
    }
  }

  /** @return a new builder */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the limiter of a policy.
   *
   * @param name the policy name
   * @return its limiter
   * @throws IllegalArgumentException if no such policy is registered; the message lists the known names
   */
  public RateLimiter limiter(String name) {
    RateLimiter limiter = limiters.get(Objects.requireNonNull(name, "name"));
    if (limiter == null) {
      throw new IllegalArgumentException("unknown rate limit policy \"" + name + "\"; known policies: " + names());
    }
    return limiter;
  }

  /**
   * @param name the policy name
   * @return its limiter, if registered
   */
  public Optional<RateLimiter> find(String name) {
    return Optional.ofNullable(limiters.get(name));
  }

  /**
   * Registers a policy, or returns the limiter of an equal policy registered before.
   *
   * @param policy the policy
   * @return its limiter
   * @throws IllegalStateException if a different policy with the same name is registered
   */
  public RateLimiter register(LimitPolicy policy) {
    Objects.requireNonNull(policy, "policy");
    RateLimiter limiter = limiters.computeIfAbsent(policy.name(),
        name -> new ReplaceableRateLimiter(newLimiter(policy)));
    if (!limiter.policy().equals(policy)) {
      throw new IllegalStateException("policy name \"" + policy.name() + "\" is already registered as "
          + limiter.policy() + "; cannot register " + policy);
    }
    return limiter;
  }

  private RateLimiter newLimiter(LimitPolicy policy) {
    return new DefaultRateLimiter(policy, store, listener, pacer);
  }

  /**
   * Replaces the policy of the same name (or adds it): the registry's limiter of that name decides with it from its
   * next call on. Clients' state carries over when the shape is the same (see the class comment).
   *
   * @param policy the new policy
   * @return the change; a policy equal to the registered one changes nothing and is not reported
   * @throws RateLimitConfigException if a {@link Follower} of the policy cannot follow; nothing is changed then
   */
  public PolicyChange replace(LimitPolicy policy) {
    List<PolicyChange> done = replaceAll(List.of(policy));
    return done.isEmpty() ? new PolicyChange(policy.name(), policy, policy) : done.get(0);
  }

  /**
   * Replaces (or adds) several policies as one change: all are checked first (no two with one name, every
   * {@link Follower} of a changed policy able to follow), then each is swapped and its followers follow; changes are
   * serialized, so two concurrent calls never interleave. Policies not named keep theirs.
   *
   * @param policies the new policies
   * @return the changes made (policies equal to the registered ones are left out), in the order given
   * @throws RateLimitConfigException listing why followers cannot follow (e.g. a stepped policy's tiers that do not
   *     fit the new limits); nothing is changed then
   * @throws IllegalArgumentException if two policies share a name; nothing is changed then
   */
  public List<PolicyChange> replaceAll(Collection<LimitPolicy> policies) {
    Set<String> seen = new TreeSet<>();
    for (LimitPolicy p : policies) {
      if (!seen.add(Objects.requireNonNull(p, "policy").name())) {
        throw new IllegalArgumentException("two policies named \"" + p.name() + "\" in one change; nothing was "
            + "changed");
      }
    }
    List<PolicyChange> done = new ArrayList<>();
    changes.lock();
    try {
      for (LimitPolicy p : policies) {
        ReplaceableRateLimiter existing = limiters.get(p.name());
        if (existing == null || !existing.policy().equals(p)) {
          done.add(new PolicyChange(p.name(), existing == null ? null : existing.policy(), p));
        }
      }
      // every follower is asked before anything changes, so that a change is made whole or not at all
      List<String> problems = new ArrayList<>();
      List<Runnable> follow = new ArrayList<>();
      for (PolicyChange change : done) {
        for (Follower f : followers.getOrDefault(change.name(), List.of())) {
          Runnable step = f.prepare(change, problems);
          if (step != null) {
            follow.add(step);
          }
        }
      }
      if (!problems.isEmpty()) {
        throw new RateLimitConfigException(problems);
      }
      for (PolicyChange change : done) {
        LimitPolicy p = change.current();
        ReplaceableRateLimiter existing = limiters.get(p.name());
        if (existing == null) {
          limiters.put(p.name(), new ReplaceableRateLimiter(newLimiter(p)));
        } else {
          existing.replace(newLimiter(p));
        }
      }
      follow.forEach(Runnable::run);
    } finally {
      changes.unlock();
    }
    for (PolicyChange change : done) {
      for (Consumer<PolicyChange> l : changeListeners) {
        try {
          l.accept(change);
        } catch (RuntimeException e) {
          System.getLogger(RateLimiterRegistry.class.getName()).log(System.Logger.Level.WARNING,
              "a policy change listener failed for " + change, e);
        }
      }
    }
    return done;
  }

  /**
   * Makes {@code follower} change together with the policy named {@code policyName} from now on (see
   * {@link Follower}); it is kept as long as the registry.
   *
   * @param policyName the policy
   * @param follower what follows its changes
   */
  public void addFollower(String policyName, Follower follower) {
    Objects.requireNonNull(follower, "follower");
    followers.computeIfAbsent(Objects.requireNonNull(policyName, "policyName"), n -> new CopyOnWriteArrayList<>())
        .add(follower);
  }

  /**
   * Adds a listener told of every policy change made after it was added (on the thread that made the change).
   *
   * @param changeListener the listener
   */
  public void addChangeListener(Consumer<PolicyChange> changeListener) {
    changeListeners.add(Objects.requireNonNull(changeListener, "changeListener"));
  }

  /** @return the registered policy names, sorted */
  public Set<String> names() {
    return new TreeSet<>(limiters.keySet());
  }

  /** @return the registered policies, sorted by name */
  public List<LimitPolicy> policies() {
    List<LimitPolicy> policies = new ArrayList<>();
    for (String name : names()) {
      ReplaceableRateLimiter limiter = limiters.get(name);
      if (limiter != null) { // removed by a change since names() was read
        policies.add(limiter.policy());
      }
    }
    return policies;
  }

  /** @return the store every limiter of this registry uses */
  public RateLimitStore store() {
    return store;
  }

  /** @return the listener every limiter reports to, or null */
  public @Nullable RateLimitListener listener() {
    return listener;
  }

  /** Builds a {@link RateLimiterRegistry}; not thread-safe. */
  public static final class Builder {
    private @Nullable RateLimitStore store;
    private final List<RateLimitListener> listeners = new ArrayList<>();
    private final List<LimitPolicy> policies = new ArrayList<>();
    private @Nullable Pacer pacer;

    private Builder() {
    }

    /**
     * Sets how waiting calls ({@link RateLimiter#acquire(String, long, java.time.Duration)}) wait; the default is
     * {@link Pacer#system()}. Tests pass a pacer on the store's manual clock.
     *
     * @param pacer the pacer
     * @return this builder
     */
    public Builder pacer(Pacer pacer) {
      this.pacer = Objects.requireNonNull(pacer, "pacer");
      return this;
    }

    /**
     * Sets the store; the default is a new {@link RateLimitStore#inMemory()}.
     *
     * @param store the store
     * @return this builder
     */
    public Builder store(RateLimitStore store) {
      this.store = Objects.requireNonNull(store, "store");
      return this;
    }

    /**
     * Adds a listener for the decisions of every limiter.
     *
     * @param listener the listener
     * @return this builder
     */
    public Builder listener(RateLimitListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /**
     * Adds a policy.
     *
     * @param policy the policy
     * @return this builder
     */
    public Builder policy(LimitPolicy policy) {
      policies.add(Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * Adds policies.
     *
     * @param policies the policies
     * @return this builder
     */
    public Builder policies(Collection<LimitPolicy> policies) {
      policies.forEach(this::policy);
      return this;
    }

    /**
     * @return the registry
     * @throws IllegalStateException if two different policies share a name
     */
    public RateLimiterRegistry build() {
      if (store == null) {
        store = RateLimitStore.inMemory();
      }
      return new RateLimiterRegistry(this);
    }
  }
}
