package io.limiter.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.Limit;
import io.limiter.core.LimitSpec;
import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.boot.actuate.RateLimitsEndpoint;
import io.limiter.spring.boot.actuate.RateLimitsEndpointAutoConfiguration;
import io.limiter.test.ManualTicker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.InvalidEndpointRequestException;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * {@code limiter.policies.*} changed at runtime ({@link LimiterPolicyRefresh}): a live policy raised and lowered while
 * 16 threads decide, checked against an exact model of the token bucket; an invalid update refused whole with the
 * startup listing while the running limits stay; an event and a metric for every change; the actuator write.
 */
class PolicyRefreshTest {

  private static final long START = 1_699_920_000L * 1_000_000_000L;

  private final ManualTicker ticker = new ManualTicker(START);
  private final List<RateLimitPolicyChangedEvent> events = new CopyOnWriteArrayList<>();
  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class, LimiterMetricsAutoConfiguration.class,
          RateLimitsEndpointAutoConfiguration.class))
      .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
      .withBean(RateLimitStore.class, () -> RateLimitStore.builder().ticker(ticker).buildInMemory())
      .withBean("changes", ApplicationListener.class,
          () -> (ApplicationListener<RateLimitPolicyChangedEvent>) events::add)
      .withPropertyValues("limiter.policies.api.limits=10/second", "limiter.policies.other.limits=5/minute");

  private final Map<String, Object> live = new java.util.concurrent.ConcurrentHashMap<>();

  private static void set(ConfigurableEnvironment environment, Map<String, Object> values) {
    environment.getPropertySources().remove("live");
    environment.getPropertySources().addFirst(new MapPropertySource("live", values));
  }

  /** GCRA of one key: admitted iff max(tat, now) + T - now <= B. */
  private static final class Model {
    long tat = Long.MIN_VALUE / 4;

    int take(Limit limit, long now, int attempts) {
      int n = 0;
      while (n < attempts && Math.max(tat, now) + limit.emissionIntervalNanos() - now <= limit.burstPeriodNanos()) {
        tat = Math.max(tat, now) + limit.emissionIntervalNanos();
        n++;
      }
      return n;
    }
  }

  /** The endpoint as its auto-configuration makes it (exposing it needs management properties this test leaves out). */
  private static RateLimitsEndpoint endpoint(org.springframework.context.ApplicationContext context) {
    return new RateLimitsEndpointAutoConfiguration().rateLimitsEndpoint(context.getBean(RateLimiterRegistry.class),
        context.getBeanProvider(io.limiter.spring.aop.RateLimitAspectSupport.class),
        context.getBeanProvider(LimiterPolicyRefresh.class));
  }

  @Test
  void aLivePolicyRaisedAndLoweredUnderLoadDecidesExactlyAsTheModel() {
    runner.run(context -> {
      ConfigurableEnvironment environment = context.getEnvironment();
      LimiterPolicyRefresh refresh = context.getBean(LimiterPolicyRefresh.class);
      RateLimiter limiter = context.getBean(RateLimiterRegistry.class).limiter("api");
      String[] specs = {"10/second", "40/second", "3/second", "3/second burst 12", "1/second"};
      Random random = new Random(19);
      Model model = new Model();
      ExecutorService pool = Executors.newFixedThreadPool(16);
      String spec = "10/second";
      int changes = 0;
      try {
        for (int phase = 0; phase < 40; phase++) {
          if (phase > 0 && random.nextInt(2) == 0) {
            String next = specs[random.nextInt(specs.length)];
            live.put("limiter.policies.api.limits", next);
            set(environment, live);
            List<PolicyChange> made = refresh.refresh();
            changes += made.size();
            assertThat(made).allMatch(PolicyChange::stateKept);
            spec = next;
          }
          CyclicBarrier start = new CyclicBarrier(16);
          AtomicInteger admitted = new AtomicInteger();
          List<Future<?>> all = new ArrayList<>();
          for (int t = 0; t < 16; t++) {
            all.add(pool.submit(() -> {
              start.await();
              for (int i = 0; i < 4; i++) {
                admitted.addAndGet(limiter.tryAcquire("k") ? 1 : 0);
              }
              return null;
            }));
          }
          for (Future<?> f : all) {
            f.get(60, TimeUnit.SECONDS);
          }
          Limit limit = LimitSpec.parse(spec).limits().get(0);
          assertThat(admitted.get()).as("phase %d under %s", phase, spec)
              .isEqualTo(model.take(limit, ticker.read() - START, 64));
          ticker.advanceNanos(random.nextInt(300_000_000));
        }
      } finally {
        pool.shutdownNow();
      }
      assertThat(changes).isPositive();
      assertThat(events).hasSize(changes);
      assertThat(context.getBean(MeterRegistry.class).counter("limiter.policy.changes", "policy", "api", "state",
          "kept").count()).isEqualTo(changes);
    });
  }

  @Test
  void anInvalidUpdateIsRefusedWholeWithTheStartupListingAndTheRunningLimitsStay() {
    runner.run(context -> {
      RateLimiter limiter = context.getBean(RateLimiterRegistry.class).limiter("api");
      live.put("limiter.policies.api.limits", "20/second");
      live.put("limiter.policies.other.limits", "10/fortnight");
      live.put("limiter.policies.other.cost", "0");
      set(context.getEnvironment(), live);
      RateLimitConfigException refused = org.assertj.core.api.Assertions.catchThrowableOfType(
          RateLimitConfigException.class, () -> context.getBean(LimiterPolicyRefresh.class).refresh());
      assertThat(refused).isNotNull();
      // the same listing as a startup with these properties
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LimiterAutoConfiguration.class))
          .withPropertyValues("limiter.policies.api.limits=20/second", "limiter.policies.other.limits=10/fortnight",
              "limiter.policies.other.cost=0")
          .run(failed -> {
            Throwable t = failed.getStartupFailure();
            while (t != null && !(t instanceof RateLimitConfigException)) {
              t = t.getCause();
            }
            assertThat(t).isInstanceOf(RateLimitConfigException.class);
            assertThat(refused.problems()).isEqualTo(((RateLimitConfigException) t).problems()).hasSize(2);
          });
      // nothing changed: not even the valid part of the update
      assertThat(limiter.policy().spec().toString()).isEqualTo("10/second");
      assertThat(context.getBean(RateLimiterRegistry.class).limiter("other").policy().spec().toString())
          .isEqualTo("5/minute");
      int admitted = 0;
      for (int i = 0; i < 15; i++) {
        admitted += limiter.tryAcquire("k") ? 1 : 0;
      }
      assertThat(admitted).isEqualTo(10);
      assertThat(events).isEmpty();
      // and through the actuator write: 400 with the listing
      RateLimitsEndpoint endpoint = endpoint(context);
      assertThatThrownBy(() -> endpoint.refresh("policies")).isInstanceOf(InvalidEndpointRequestException.class)
          .hasMessageContaining("refused; the running policies stay in force")
          .hasMessageContaining("10/fortnight");
    });
  }

  @Test
  void theActuatorWriteAppliesAChangeAndAnotherShapeStartsFresh() {
    runner.run(context -> {
      RateLimiter limiter = context.getBean(RateLimiterRegistry.class).limiter("api");
      for (int i = 0; i < 10; i++) {
        assertThat(limiter.tryAcquire("k")).isTrue();
      }
      assertThat(limiter.tryAcquire("k")).isFalse();
      live.put("limiter.policies.api.limits", "3/minute");
      set(context.getEnvironment(), live);
      RateLimitsEndpoint.RefreshDescriptor done = endpoint(context).refresh("policies");
      assertThat(done.changes()).containsExactly(
          new RateLimitsEndpoint.PolicyChangeDescriptor("api", "10/second", "3/minute", "reset"));
      for (int i = 0; i < 3; i++) {
        assertThat(limiter.tryAcquire("k")).as("fresh state under the new shape, call %d", i).isTrue();
      }
      assertThat(limiter.tryAcquire("k")).isFalse();
      assertThat(events).singleElement().satisfies(e -> assertThat(e.change().stateKept()).isFalse());
      assertThat(context.getBean(MeterRegistry.class).counter("limiter.policy.changes", "policy", "api", "state",
          "reset").count()).isEqualTo(1);
    });
  }

  @Test
  void aChangedKeyIsRefusedAsTheIntegrationsResolveItOnce() {
    runner.withPropertyValues("limiter.policies.api.key=ip").run(context -> {
      live.put("limiter.policies.api.limits", "20/second");
      live.put("limiter.policies.api.key", "header:X-API-Key");
      set(context.getEnvironment(), live);
      assertThatThrownBy(() -> context.getBean(LimiterPolicyRefresh.class).refresh())
          .isInstanceOf(RateLimitConfigException.class)
          .hasMessageContaining("limiter.policies.api: key and missing-key are resolved once at startup");
      assertThat(context.getBean(RateLimiterRegistry.class).limiter("api").policy().spec().toString())
          .isEqualTo("10/second");
    });
  }

  @Test
  void aSteppedPolicyFollowsAChangeOfItsLimitsAndRefusesWhatItsStepsCannotTake() {
    runner.withPropertyValues("limiter.policies.api.tiers=free=50%; pro=100/second; default=free",
        "limiter.policies.api.tier-key=attribute:plan").run(context -> {
      RateLimiterRegistry registry = context.getBean(RateLimiterRegistry.class);
      io.limiter.core.step.SteppedRateLimiter<String> api = context.getBean(
          io.limiter.core.step.SteppedLimiterRegistry.class).find("api").limiter();
      LimiterPolicyRefresh refresh = context.getBean(LimiterPolicyRefresh.class);
      live.put("limiter.policies.api.limits", "40/second");
      set(context.getEnvironment(), live);
      assertThat(refresh.refresh()).singleElement().satisfies(c -> assertThat(c.stateKept()).isTrue());
      assertThat(api.currentPolicy("free").orElseThrow().spec()).as("the tier applies to the new limits")
          .isEqualTo(LimitSpec.parse("20/second"));
      assertThat(api.currentPolicy("pro").orElseThrow().spec()).isEqualTo(LimitSpec.parse("100/second"));

      live.put("limiter.policies.api.limits", "40/second; 1000/hour");
      set(context.getEnvironment(), live);
      assertThatThrownBy(refresh::refresh).isInstanceOf(RateLimitConfigException.class)
          .hasMessageContaining("policy api: tier pro has 1 limit (100/second) but the policy has 2");
      assertThat(registry.limiter("api").policy().spec()).as("refused whole").isEqualTo(LimitSpec.parse("40/second"));
      assertThat(api.policy().spec()).isEqualTo(LimitSpec.parse("40/second"));

      live.put("limiter.policies.api.limits", "60/second");
      live.put("limiter.policies.api.tiers", "free=25%; pro=100/second; default=free");
      set(context.getEnvironment(), live);
      assertThatThrownBy(refresh::refresh).isInstanceOf(RateLimitConfigException.class)
          .hasMessageContaining("limiter.policies.api: its step settings").hasMessageContaining("restart");
      assertThat(api.currentPolicy("free").orElseThrow().spec()).isEqualTo(LimitSpec.parse("20/second"));
    });
  }
}
