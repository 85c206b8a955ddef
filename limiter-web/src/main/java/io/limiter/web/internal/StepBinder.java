package io.limiter.web.internal;

import io.limiter.core.KeyResolver;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.TierResolver;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.HttpRequestView;
import io.limiter.web.StepSettings;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Builds the filter's {@link SteppedRateLimiter}s: one per policy, shared by every rule and annotation that uses the
 * policy, so that they share its penalty box as well as its store state. The limiters' request context is the tier
 * <em>name</em> (their tier resolver is the identity): each binding resolves the tier from its request, so that one
 * limiter can serve the filter and, in Spring, the aspect. Thread-safe (annotations may be read on a first request).
 */
public final class StepBinder {

  /**
   * A policy with step-function throttling, as a binding uses it.
   *
   * @param limiter the limiter; its context is the tier name
   * @param tier finds a request's tier, or null when the policy has no tiers
   * @param controller the controller whose level scales the limits, fed with the admitted calls; or null
   * @param source where the steps were defined, to tell a redefinition from a second use
   */
  public record Stepped(SteppedRateLimiter<String> limiter, @Nullable TierResolver<HttpRequestView> tier,
      @Nullable StepController controller, String source) {

    /**
     * @param request the request
     * @return its tier, or null for the default
     */
    public @Nullable String tierOf(HttpRequestView request) {
      return tier == null ? null : tier.resolve(request);
    }
  }

  private final RateLimiterRegistry registry;
  private final StepControllerRegistry controllers;
  private final Map<String, StepSettings> policySteps;
  private final List<PenaltyListener> penaltyListeners;
  private final KeyResolver<HttpRequestView> clientIp;
  private final Map<String, Stepped> byPolicy = new ConcurrentHashMap<>();
  /** Named policies whose steps had problems, reported once however many elements use them. */
  private final Set<String> failed = ConcurrentHashMap.newKeySet();

  /**
   * @param registry the store and listener of the limiters, and the policies
   * @param controllers the step controllers by name
   * @param policySteps the step settings of named policies
   * @param prebuilt stepped limiters built elsewhere (e.g. by Spring), by policy name
   * @param penaltyListeners told about clients entering and leaving penalty boxes
   */
  public StepBinder(RateLimiterRegistry registry, StepControllerRegistry controllers,
      Map<String, StepSettings> policySteps, Map<String, Stepped> prebuilt, List<PenaltyListener> penaltyListeners) {
    this(registry, controllers, policySteps, prebuilt, penaltyListeners, ClientIpResolver.peerOnly());
  }

  /**
   * @param registry the store and listener of the limiters, and the policies
   * @param controllers the step controllers by name
   * @param policySteps the step settings of named policies
   * @param prebuilt stepped limiters built elsewhere (e.g. by Spring), by policy name
   * @param penaltyListeners told about clients entering and leaving penalty boxes
   * @param clientIp finds the client of a request, by which the health signals tell clients apart
   */
  public StepBinder(RateLimiterRegistry registry, StepControllerRegistry controllers,
      Map<String, StepSettings> policySteps, Map<String, Stepped> prebuilt, List<PenaltyListener> penaltyListeners,
      KeyResolver<HttpRequestView> clientIp) {
    this.clientIp = Objects.requireNonNull(clientIp, "clientIp");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.controllers = Objects.requireNonNull(controllers, "controllers");
    this.policySteps = Map.copyOf(policySteps);
    this.penaltyListeners = List.copyOf(penaltyListeners);
    this.byPolicy.putAll(prebuilt);
  }

  /**
   * @param request a request
   * @return its client, as the health signals tell clients apart: the client address (trusted proxies honoured)
   */
  public String clientOf(HttpRequestView request) {
    String ip = clientIp.resolve(request);
    if (ip == null || KeyResolver.isMissing(ip)) {
      String peer = request.peerAddress();
      return peer == null ? "" : peer; // the resolver answers null only for a blank or unknown peer
    }
    return ip;
  }

  /** @return the step controllers */
  public StepControllerRegistry controllers() {
    return controllers;
  }

  /**
   * @param policyName a policy name
   * @return the policy's stepped limiter, if it has step settings and was built without problems
   */
  public @Nullable Stepped find(String policyName) {
    return byPolicy.get(policyName);
  }

  /** @return every stepped limiter built so far, by policy name */
  public Map<String, Stepped> all() {
    return Map.copyOf(byPolicy);
  }

  /**
   * Returns the stepped limiter of a named policy, building it on first use.
   *
   * @param policy the named policy
   * @param where the configuration element that uses it, for messages
   * @param problems receives what is wrong
   * @return the stepped limiter, or null if the policy has no steps or they have problems
   */
  public @Nullable Stepped named(LimitPolicy policy, String where, List<String> problems) {
    Stepped existing = byPolicy.get(policy.name());
    if (existing != null) {
      return existing;
    }
    StepSettings steps = policySteps.get(policy.name());
    if (steps == null || steps.isEmpty() || failed.contains(policy.name())) {
      return null;
    }
    String source = "policy " + policy.name();
    Stepped stepped = build(policy, steps, source, where, problems);
    if (stepped == null) {
      failed.add(policy.name());
    }
    return stepped;
  }

  /**
   * Builds the stepped limiter of an inline policy (a rule's limits, an annotation's value).
   *
   * @param policy the inline policy
   * @param steps its step settings, not empty
   * @param source the element that defines it, e.g. {@code rule.api.*}
   * @param problems receives what is wrong
   * @return the stepped limiter, or null if there were problems
   */
  public @Nullable Stepped inline(LimitPolicy policy, StepSettings steps, String source, List<String> problems) {
    Stepped existing = byPolicy.get(policy.name());
    if (existing != null) {
      if (existing.source().equals(source)) {
        return existing;
      }
      problems.add(source + ": policy " + policy.name() + " already has step-function throttling from " + existing.source()
          + "; give this policy another name, or define it once and refer to it by name");
      return null;
    }
    return build(policy, steps, source, source, problems);
  }

  private @Nullable Stepped build(LimitPolicy policy, StepSettings steps, String source, String where,
      List<String> problems) {
    // the one check of the combination, shared with every front-end: core's StepParts
    SteppedRateLimiter<String> limiter = steps.partsWhereSet(part -> label(where, part)).build(policy, registry,
        controllers, penaltyListeners, where, problems);
    if (limiter == null) {
      return null;
    }
    Stepped stepped = new Stepped(limiter, steps.tiers() == null ? null : steps.tierResolver(),
        limiter.controller().orElse(null), source);
    Stepped raced = byPolicy.putIfAbsent(policy.name(), stepped);
    return raced != null ? raced : stepped;
  }

  /**
   * Names a step part of an element: {@code rule.api.*} and {@code tier-key} is {@code rule.api.tier-key},
   * {@code @RateLimit on X} is {@code @RateLimit(tierKey) on X}, {@code rule api} is {@code rule api tier-key}.
   */
  public static String label(String where, String part) {
    if (where.startsWith("@RateLimit")) {
      return where.replaceFirst("^@RateLimit", "@RateLimit(" + (part.equals("tier-key") ? "tierKey" : part) + ")");
    }
    return where.endsWith(".*") ? where.substring(0, where.length() - 1) + part : where + " " + part;
  }
}
