package io.limiter.core;

import io.limiter.core.internal.DefaultRateLimiter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

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
 * do this at startup).
 */
public final class RateLimiterRegistry {

  private final RateLimitStore store;
  private final RateLimitListener listener;
  private final Pacer pacer;
  private final ConcurrentMap<String, RateLimiter> limiters = new ConcurrentHashMap<>();

  private RateLimiterRegistry(Builder builder) {
    this.store = builder.store;
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
        name -> new DefaultRateLimiter(policy, store, listener, pacer));
    if (!limiter.policy().equals(policy)) {
      throw new IllegalStateException("policy name \"" + policy.name() + "\" is already registered as "
          + limiter.policy() + "; cannot register " + policy);
    }
    return limiter;
  }

  /** @return the registered policy names, sorted */
  public Set<String> names() {
    return new TreeSet<>(limiters.keySet());
  }

  /** @return the registered policies, sorted by name */
  public List<LimitPolicy> policies() {
    List<LimitPolicy> policies = new ArrayList<>();
    for (String name : names()) {
      policies.add(limiters.get(name).policy());
    }
    return policies;
  }

  /** @return the store every limiter of this registry uses */
  public RateLimitStore store() {
    return store;
  }

  /** @return the listener every limiter reports to, or null */
  public RateLimitListener listener() {
    return listener;
  }

  /** Builds a {@link RateLimiterRegistry}; not thread-safe. */
  public static final class Builder {
    private RateLimitStore store;
    private final List<RateLimitListener> listeners = new ArrayList<>();
    private final List<LimitPolicy> policies = new ArrayList<>();
    private Pacer pacer;

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
