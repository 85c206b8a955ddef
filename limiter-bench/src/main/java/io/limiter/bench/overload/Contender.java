package io.limiter.bench.overload;

import com.netflix.concurrency.limits.limit.AIMDLimit;
import com.netflix.concurrency.limits.limit.Gradient2Limit;
import com.netflix.concurrency.limits.limit.VegasLimit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepListener;
import io.limiter.servlet.RateLimitFilter;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.RateLimitRule;
import io.limiter.web.StepSettings;
import jakarta.servlet.Filter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One contender of the overload comparison: a name, what it is, and the servlet filter it puts in front of the
 * {@link SimulatedService} (none for {@code none}). Every contender gets its documented or tuned settings.
 *
 * @param name short name, used in the table and charts
 * @param description what it is and how it is configured
 * @param filter builds the filter for one run
 */
public record Contender(String name, String description, FilterFactory filter) {

  /** Builds a fresh filter (with fresh state) for one run. */
  @FunctionalInterface
  public interface FilterFactory {
    /**
     * @param settings the scenario's settings
     * @param steps hears the level changes of a step controller, if the contender has one
     * @return the filter, or null for none
     */
    Filter create(Settings settings, StepListener steps);
  }

  /**
   * What the filters are tuned to.
   *
   * @param nominalRate the service's nominal capacity in requests per second
   * @param targetMillis the latency target
   * @param timeScale the factor applied to the step controller's time settings (interval, cooldown): 1 is real time,
   *     0.25 plays the scenario four times faster
   */
  public record Settings(double nominalRate, long targetMillis, double timeScale) {
  }

  /** The settings that make the controller behave as it did before issue 17 (its defaults then). */
  static final String TODAYS_DEFAULTS =
      "fast-down=off; step-down=one; fast-up=off; probe-backoff=1; probe-revert=off";

  /** @return every contender, in the order of the table */
  public static List<Contender> all() {
    return List.of(
        new Contender("none", "no limiter", (s, l) -> null),
        new Contender("static", "Limiter, static global limit at the nominal capacity (token bucket, burst 0.1 s)",
            (s, l) -> limiter(s, null, l)),
        new Contender("aimd", "concurrency-limits AIMDLimit (timeout = latency target), SimpleLimiter",
            (s, l) -> new ConcurrencyLimitFilter(AIMDLimit.newBuilder().timeout(s.targetMillis(), TimeUnit.MILLISECONDS)
                .build())),
        new Contender("vegas", "concurrency-limits VegasLimit (defaults), SimpleLimiter",
            (s, l) -> new ConcurrencyLimitFilter(VegasLimit.newDefault())),
        new Contender("gradient2", "concurrency-limits Gradient2Limit (defaults), SimpleLimiter",
            (s, l) -> new ConcurrencyLimitFilter(Gradient2Limit.newDefault())),
        new Contender("steps-before", "Limiter adaptive steps, the controller before issue 17 (its defaults)",
            (s, l) -> limiter(s, TODAYS_DEFAULTS, l)),
        new Contender("steps", "Limiter adaptive steps, today's defaults", (s, l) -> limiter(s, "", l)),
        new Contender("conc", "Limiter, the static rate limit and a static concurrency limit of rate × target "
            + "(Little's law: 30 calls in flight)", (s, l) -> limiter(s, null, true, false, l)),
        new Contender("steps-conc", "Limiter, the static rate limit and a concurrency limit of rate × target with "
            + "adaptive steps (" + TUNED + ")", (s, l) -> limiter(s, TUNED, true, false, l)));
  }

  /**
   * A contender built as {@code steps-conc} with other controller settings (the benchmark's {@code --variant}).
   *
   * @param name its name in the table
   * @param extra the controller settings on top of the latency target and the time scale
   * @return the contender; its filter is built (and its settings checked) for each run
   */
  static Contender stepsConc(String name, String extra) {
    return new Contender(name, "Limiter, as steps-conc with the controller settings " + extra,
        (s, l) -> limiter(s, extra, true, false, l));
  }

  /**
   * The controller settings of {@code steps-conc}, on top of the latency target and the time scale, tuned on this
   * scenario: a step down of the concurrency limit costs little throughput once the service is healthy again (at
   * full capacity 15 calls in flight still serve about 200 a second), so it steps down at the first interval over the
   * target ({@code fast-down=105%}), lands where the latency says the calls in flight fit in one step
   * ({@code step-down=proportional}: the service's latency grows with the calls in flight) and is judged again after
   * one interval ({@code cooldown=1s}, scaled); the latency is read interpolated inside its histogram bucket
   * ({@code percentiles=interpolated}), since the bucket's upper bound reads a p95 just under the target (148 ms) as
   * 164 ms; a level at 60% sits between 75% and 50%, so that a probe from 50% raises the calls in flight by three,
   * not seven. Before issue 17's last round it was the same without the proportional steps and the interpolation
   * ({@link #TUNED_SCALED}).
   */
  static final String TUNED = "fast-down=105%; cooldown=1s; levels=100%, 75%, 60%, 50%, 25%, 10%; "
      + "step-down=proportional; percentiles=interpolated";

  /** {@code steps-conc}'s settings before proportional steps and interpolated percentiles, for {@code --variant}. */
  static final String TUNED_SCALED = "fast-down=105%; cooldown=1s; levels=100%, 75%, 60%, 50%, 25%, 10%";

  /**
   * Limiter's filter: one global limit at the nominal capacity on {@code /work}, adaptive when {@code extra} is not
   * null. Clients are told apart by {@code X-Forwarded-For} from a trusted loopback proxy, as behind a load balancer.
   */
  static Filter limiter(Settings s, String extra, StepListener steps) {
    return limiter(s, extra, false, true, steps);
  }

  /**
   * Limiter's filter as above; with {@code inFlight}, a second rule on {@code /work} caps the calls in flight at the
   * nominal rate times the latency target (Little's law: 200 a second that each take 150 ms are 30 calls in flight),
   * adaptive when {@code extra} is not null; {@code rateSteps} says whether the rate limit is adaptive too (one
   * controller scales both then).
   */
  static Filter limiter(Settings s, String extra, boolean inFlight, boolean rateSteps, StepListener steps) {
    // a burst of a tenth of a second: a global limit in front of a service that queues should not let a second's worth
    // of calls in at once
    long rate = Math.round(s.nominalRate());
    LimitPolicy policy = LimitPolicy.of("work", rate + "/second burst " + Math.max(1, rate / 10));
    RateLimitRule.Builder rule = RateLimitRule.builder("work").paths("/work").policy(policy).key("global");
    RateLimitFilter.Builder filter = RateLimitFilter.builder()
        .clientIp(ClientIpResolver.builder().trustedProxy("127.0.0.1/32").build());
    if (extra != null) {
      // the interval and a cooldown the extra settings do not set are the defaults (1 s, 10 s) on the time scale
      String cooldown = extra.contains("cooldown=") ? "" : "; cooldown=" + scaled(Duration.ofSeconds(10), s);
      String spec = "latency=p95 " + s.targetMillis() + "ms; interval=" + scaled(Duration.ofSeconds(1), s)
          + cooldown + (extra.isEmpty() ? "" : "; " + scaledDurations(extra, s));
      StepController controller = StepController.parse("work-health", spec, "overload contender", Map.of());
      controller.addListener(steps);
      filter.controller(controller);
      if (rateSteps) {
        rule.steps(StepSettings.builder().adaptive("work-health").build());
      }
    }
    filter.rule(rule.build());
    if (inFlight) {
      long permits = Math.max(1, Math.round(s.nominalRate() * s.targetMillis() / 1000.0));
      RateLimitRule.Builder cap = RateLimitRule.builder("work-in-flight").paths("/work")
          .policy(LimitPolicy.of("work-in-flight", permits + " concurrent")).key("global");
      if (extra != null) {
        cap.steps(StepSettings.builder().adaptive("work-health").build());
      }
      filter.rule(cap.build());
    }
    return filter.build();
  }

  /** Scales every {@code <key>=<n>s} duration of the extra settings (cooldown) to the time scale. */
  private static String scaledDurations(String extra, Settings s) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("=(\\d+(?:\\.\\d+)?)s\\b").matcher(extra);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(out, "=" + scaled(Duration.ofMillis(Math.round(Double.parseDouble(m.group(1)) * 1000)), s));
    }
    return m.appendTail(out).toString();
  }

  private static String scaled(Duration d, Settings s) {
    return Math.max(1, Math.round(d.toMillis() * s.timeScale())) + "ms";
  }
}
