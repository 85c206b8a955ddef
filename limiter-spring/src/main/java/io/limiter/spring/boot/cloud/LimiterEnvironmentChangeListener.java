package io.limiter.spring.boot.cloud;

import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitConfigException;
import io.limiter.spring.boot.LimiterPolicyRefresh;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ApplicationListener;

/**
 * Re-applies {@code limiter.*} when Spring Cloud reports changed properties: {@code ContextRefresher} (a Spring Cloud
 * Config refresh, {@code POST /actuator/refresh}, a Kubernetes config map reload, a bus event) updates the
 * environment and publishes an {@link EnvironmentChangeEvent} naming the changed keys. When any of them is a
 * {@code limiter.} key, in any relaxed spelling ({@code limiter.policies.api.limits},
 * {@code LIMITER_POLICIES_API_LIMITS}, {@code Limiter.Policies...}), this calls {@link LimiterPolicyRefresh#refresh()}:
 * checked as at startup, applied whole or refused whole. Events naming only other keys are ignored.
 *
 * <p>A refused update is logged as a warning with the startup-style problem listing, and the running policies stay
 * in force (as with {@code POST /actuator/ratelimits/policies}, which answers 400 with the same listing); it is not
 * thrown, since the event is published by the refresh of the whole application, whose other listeners must still
 * run. Applied changes are logged and published as {@code RateLimitPolicyChangedEvent}s by the refresh.
 * Thread-safe: refreshes are serialized by {@link LimiterPolicyRefresh}.
 */
public final class LimiterEnvironmentChangeListener implements ApplicationListener<EnvironmentChangeEvent> {

  private static final System.Logger LOG = System.getLogger(LimiterEnvironmentChangeListener.class.getName());

  private final LimiterPolicyRefresh refresh;

  /** @param refresh what re-applies {@code limiter.*} */
  public LimiterEnvironmentChangeListener(LimiterPolicyRefresh refresh) {
    this.refresh = Objects.requireNonNull(refresh, "refresh");
  }

  @Override
  public void onApplicationEvent(EnvironmentChangeEvent event) {
    if (event.getKeys().stream().noneMatch(LimiterEnvironmentChangeListener::isLimiterKey)) {
      return;
    }
    try {
      List<PolicyChange> changes = refresh.refresh();
      if (!changes.isEmpty()) {
        LOG.log(System.Logger.Level.INFO, () -> "limiter.* changed in the environment; policies changed: "
            + changes.stream().map(c -> c.name() + " " + (c.previous() == null ? "(added)" : c.previous().spec())
                + " -> " + c.current().spec()).toList());
      }
    } catch (RateLimitConfigException e) {
      LOG.log(System.Logger.Level.WARNING, "limiter.* changed in the environment, but the update is refused; the "
          + "running policies stay in force: " + e.getMessage());
    }
  }

  /**
   * Whether a changed key is under {@code limiter}: keys come as their property source spells them, so an
   * environment variable ({@code LIMITER_POLICIES_X_LIMITS}) or a key in another case counts too.
   */
  static boolean isLimiterKey(String key) {
    if (key == null) {
      return false;
    }
    String name = key.trim().toLowerCase(Locale.ROOT).replace('_', '.');
    return name.equals("limiter") || name.startsWith("limiter.") || name.startsWith("limiter[");
  }

  @Override
  public String toString() {
    return "LimiterEnvironmentChangeListener{" + refresh + "}";
  }
}
