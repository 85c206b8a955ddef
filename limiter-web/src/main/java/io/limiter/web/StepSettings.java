package io.limiter.web;

import io.limiter.core.RateLimitConfigException;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.StepParts;
import io.limiter.core.step.StepSchedule;
import io.limiter.core.step.TierResolver;
import io.limiter.core.step.Tiers;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * The step-function throttling parts of one policy of a web filter (servlet or WebFlux): client {@linkplain Tiers tiers}
 * and how a request's tier is found, a {@linkplain StepSchedule schedule}, the name of an adaptive
 * {@linkplain io.limiter.core.step.StepController step controller}, and a {@linkplain PenaltyRule penalty rule}. See
 * {@code docs/step-throttling.md}.
 *
 * <pre>{@code
 * RateLimitRule api = RateLimitRule.builder("api").paths("/api/*").limits("100/minute")
 *     .steps(StepSettings.builder()
 *         .tiers("free=10/minute; pro=1000/minute; internal=unlimited; default=free")
 *         .tierKey("attribute:plan")
 *         .adaptive("api-health")
 *         .penalty("5/minute -> block for 10m")
 *         .build())
 *     .build();
 * }</pre>
 *
 * The filter combines the parts with the policy when it is built and reports every problem of the combination at
 * once (a tier whose limits do not fit the policy, an unknown controller, tiers without a tier key). Immutable and
 * thread-safe.
 */
public final class StepSettings {

  private static final StepSettings NONE = new StepSettings(new Builder());
  private static final String TRUSTED = "trusted:";

  /** The parts in core's model, which checks their combination; their labels name where each part was set. */
  private final StepParts parts;
  private final @Nullable TierResolver<HttpRequestView> tierResolver;
  /** Whether the parts were read from text, so that their labels name the init-param or property they came from. */
  private final boolean readFromText;

  private StepSettings(Builder b) {
    this(b, null);
  }

  private StepSettings(Builder b, @Nullable UnaryOperator<String> labels) {
    this.readFromText = labels != null;
    this.parts = StepParts.of(b.tiers, b.tierKey, b.schedule, b.adaptive, b.penalty, b.penalizeSharedKeys,
        labels != null ? labels : UnaryOperator.identity());
    this.tierResolver = b.tierResolver;
  }

  /** @return a new builder */
  public static Builder builder() {
    return new Builder();
  }

  /** @return settings without any part: the policy's limits apply as they are */
  public static StepSettings none() {
    return NONE;
  }

  /**
   * Reads the step settings of a policy or rule of the one settings model ({@code tiers}, {@code tier-key},
   * {@code schedule}, {@code adaptive}, {@code penalty}); the controller is checked later, with the combination.
   *
   * @param settings the policy's or rule's settings
   * @param problems receives every problem, naming its setting
   * @return the settings that read
   */
  public static StepSettings read(PolicySettings settings, Problems problems) {
    Builder b = builder();
    problems.read(settings.get("tiers"), s -> Tiers.parse(s.value(), s.label()), b::tiers);
    problems.read(settings.get("tier-key"), Setting::value, b::tierKey);
    problems.read(settings.get("schedule"), s -> StepSchedule.parse(s.value(), s.label()), b::schedule);
    problems.read(settings.get("penalty"), s -> PenaltyRule.parse(s.value(), s.label()), b::penalty);
    problems.read(settings.get("adaptive"), Setting::value, b::adaptive);
    return new StepSettings(b, settings::label);
  }

  /**
   * Parses a tier key: where a request names its tier. {@code attribute:<name>} (set by your authentication filter,
   * e.g. from an API-key lookup) is the safe form. Forms a client can set are refused, because a client would choose
   * its own plan: {@code header:<name>} (any client can send any header) and {@code principal} (users may pick a user
   * name such as {@code internal}). Prefix them with {@code trusted:} ({@code trusted:header:X-Plan}) only when
   * something you control sets them: a gateway that strips the client's header and sets its own.
   *
   * @param reference the reference
   * @return a resolver answering the tier name, null when the request names none
   * @throws IllegalArgumentException naming the reference, why it is refused and the accepted forms
   */
  public static TierResolver<HttpRequestView> parseTierKey(String reference) {
    Objects.requireNonNull(reference, "reference");
    String text = reference.trim();
    boolean trusted = text.regionMatches(true, 0, TRUSTED, 0, TRUSTED.length());
    if (trusted) {
      text = text.substring(TRUSTED.length()).trim();
    }
    String forms = "; a tier key is attribute:<name>, or trusted:header:<name> or trusted:principal";
    if (text.toLowerCase(Locale.ROOT).startsWith("authority:")) {
      throw new IllegalArgumentException("tier key \"" + reference + "\" reads the principal's authorities, which "
          + "only limiter-spring (with Spring Security) understands" + forms);
    }
    KeyReference parsed;
    try {
      parsed = KeyReference.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("tier key \"" + reference + "\" is not valid" + forms);
    }
    KeyReference.Kind kind = parsed.parts().get(0).kind();
    if (parsed.parts().size() != 1 || kind == KeyReference.Kind.IP || kind == KeyReference.Kind.GLOBAL) {
      throw new IllegalArgumentException("tier key \"" + reference + "\" does not name a tier" + forms);
    }
    if (!trusted && (kind == KeyReference.Kind.HEADER || kind == KeyReference.Kind.PRINCIPAL)) {
      throw new IllegalArgumentException(clientSettable(reference, kind == KeyReference.Kind.HEADER,
          "attribute:<name> set by your authentication filter (e.g. from an API-key lookup)"));
    }
    // a tier name is a plain value, not a stored key: read it without the key-kind prefix
    return parsed.toValueResolver(ClientIpResolver.peerOnly())::resolve;
  }

  /**
   * The message refusing a tier key that a client can set.
   *
   * @param reference the tier key as written
   * @param header whether it reads a header (else the principal's name)
   * @param safe the safe forms to suggest
   * @return the message
   */
  public static String clientSettable(String reference, boolean header, String safe) {
    String why = header ? "any client can send that header and pick its own plan, e.g. the unlimited one"
        : "the principal's name is the user name, which users may choose (a user named after a tier gets it)";
    return "tier key \"" + reference + "\" is refused: " + why + "; resolve the tier from something the client "
        + "cannot forge: " + safe + "; only if a gateway you trust strips and sets it, write trusted:"
        + reference.trim();
  }

  /** @return the tiers, or null */
  public @Nullable Tiers tiers() {
    return parts.tiers();
  }

  /** @return how a request's tier is found, or null */
  public @Nullable TierResolver<HttpRequestView> tierResolver() {
    return tierResolver;
  }

  /** @return the tier key as written ({@code attribute:plan}), {@code custom} for a resolver, or null */
  public @Nullable String tierKey() {
    return parts.tierKey();
  }

  /** @return the schedule, or null */
  public @Nullable StepSchedule schedule() {
    return parts.schedule();
  }

  /** @return the name of the step controller whose level scales the limits, or null */
  public @Nullable String adaptive() {
    return parts.adaptive();
  }

  /** @return the penalty rule, or null */
  public @Nullable PenaltyRule penalty() {
    return parts.penalty();
  }

  /** @return whether the penalty box also counts keys many clients share (the missing-key bucket, global) */
  public boolean penalizeSharedKeys() {
    return parts.penalizeSharedKeys();
  }

  /** @return whether no part is set */
  public boolean isEmpty() {
    return parts.isEmpty();
  }

  /** @return the names of the parts that are set, e.g. {@code [tiers, adaptive]} */
  public List<String> parts() {
    return List.copyOf(parts.names());
  }

  /**
   * @param label names a part for messages: {@code tier-key} to {@code rule.api.tier-key}
   * @return these settings in core's model, whose {@link StepParts#build} checks their combination
   */
  public StepParts parts(UnaryOperator<String> label) {
    return parts.withLabel(label);
  }

  /**
   * @param label names a part for messages when these settings were built programmatically
   * @return these settings in core's model, each part named where it was set if they were read from text (an
   *     init-param, a config file's property), else by {@code label}
   */
  public StepParts partsWhereSet(UnaryOperator<String> label) {
    return readFromText ? parts : parts.withLabel(label);
  }

  @Override
  public String toString() {
    return "StepSettings" + parts.toString().substring("StepParts".length());
  }

  /**
   * Builds {@link StepSettings}. String setters parse at once and throw
   * {@link io.limiter.core.RateLimitConfigException} (an {@link IllegalArgumentException}) naming the position of a
   * problem. Not thread-safe.
   */
  public static final class Builder {
    private @Nullable Tiers tiers;
    private @Nullable TierResolver<HttpRequestView> tierResolver;
    private @Nullable String tierKey;
    private @Nullable StepSchedule schedule;
    private @Nullable String adaptive;
    private @Nullable PenaltyRule penalty;
    private boolean penalizeSharedKeys;

    private Builder() {
    }

    /**
     * @param tiers the client tiers; needs a {@linkplain #tierKey(String) tier key}
     * @return this builder
     */
    public Builder tiers(Tiers tiers) {
      this.tiers = Objects.requireNonNull(tiers, "tiers");
      return this;
    }

    /**
     * @param spec e.g. {@code free=10/minute; pro=1000/minute; internal=unlimited; default=free}
     * @return this builder
     */
    public Builder tiers(String spec) {
      return tiers(Tiers.parse(spec));
    }

    /**
     * @param reference see {@link #parseTierKey(String)}
     * @return this builder
     */
    public Builder tierKey(String reference) {
      this.tierResolver = parseTierKey(reference);
      this.tierKey = reference.trim();
      return this;
    }

    /**
     * @param resolver names the tier of a request (null for none)
     * @return this builder
     */
    public Builder tierKey(TierResolver<HttpRequestView> resolver) {
      this.tierResolver = Objects.requireNonNull(resolver, "resolver");
      this.tierKey = "custom";
      return this;
    }

    /**
     * @param schedule the schedule
     * @return this builder
     */
    public Builder schedule(StepSchedule schedule) {
      this.schedule = Objects.requireNonNull(schedule, "schedule");
      return this;
    }

    /**
     * @param spec e.g. {@code zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 1000/minute; default = 200/minute}
     * @return this builder
     */
    public Builder schedule(String spec) {
      return schedule(StepSchedule.parse(spec));
    }

    /**
     * @param controllerName the name of a step controller known to the filter ({@code adaptive.<name>} init-params,
     *     {@code RateLimitFilter.Builder.controller}, {@code controllers}, a Spring bean)
     * @return this builder
     */
    public Builder adaptive(String controllerName) {
      if (Objects.requireNonNull(controllerName, "controllerName").isBlank()) {
        throw new IllegalArgumentException("adaptive must name a step controller but was blank");
      }
      this.adaptive = controllerName.trim();
      return this;
    }

    /**
     * @param rule the penalty rule
     * @return this builder
     */
    public Builder penalty(PenaltyRule rule) {
      this.penalty = Objects.requireNonNull(rule, "rule");
      return this;
    }

    /**
     * @param spec e.g. {@code 5/minute -> block for 10m}
     * @return this builder
     */
    public Builder penalty(String spec) {
      return penalty(PenaltyRule.parse(spec));
    }

    /**
     * Lets the penalty box count a key that many clients share (the bucket of requests without a key, a
     * {@code global} key); off by default, because boxing it boxes every client behind it.
     *
     * @param penalize whether to penalize shared keys
     * @return this builder
     */
    public Builder penalizeSharedKeys(boolean penalize) {
      this.penalizeSharedKeys = penalize;
      return this;
    }

    /** @return the settings */
    public StepSettings build() {
      return new StepSettings(this);
    }
  }
}
