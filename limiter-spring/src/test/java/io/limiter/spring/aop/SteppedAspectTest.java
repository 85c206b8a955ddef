package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.test.ManualTicker;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.security.authentication.TestingAuthenticationToken;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * The engine with step-function throttling on a fake clock: admitted calls feed latency, in-flight and failures to the
 * controller exactly; rejections by nested limits are not failures; a tier from Spring Security's authorities.
 */
class SteppedAspectTest {

  private final ManualTicker ticker = new ManualTicker();
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory()).build();
  private final StepController slow = StepController.builder("slow").ticker(ticker)
      .latency(95, Duration.ofMillis(250)).minSamples(2).downAfter(1).cooldown(Duration.ZERO).build();
  private final StepController errors = StepController.builder("errors").ticker(ticker)
      .errorRatio(0.5).minSamples(2).downAfter(1).cooldown(Duration.ZERO).inFlight(10).build();
  private final RateLimitAspectSupport support;

  SteppedAspectTest() {
    StepControllerRegistry controllers = new StepControllerRegistry();
    controllers.register(slow);
    controllers.register(errors);
    support = RateLimitAspectSupport.builder().registry(registry).requestKeys(null)
        .steps(new SteppedLimiterRegistry(registry, controllers, List.of())).build();
  }

  @AfterEach
  void clearSecurity() {
    SecurityContextHolder.clearContext();
  }

  /** Limited calls. */
  public static class Service {
    @RateLimit(value = "100/minute", key = "global", adaptive = "slow")
    public String timed() {
      return "ok";
    }

    @RateLimit(value = "100/minute", key = "global", adaptive = "errors")
    public String failing() {
      return "ok";
    }

    @RateLimit(value = "1/minute", key = "global", tiers = "basic=100%; pro=3/minute",
        tierKey = "authority:PLAN_")
    public String tiered() {
      return "ok";
    }
  }

  private Object call(String name, RateLimitAspectSupport.Invoker invoker) throws Throwable {
    Method method = Service.class.getMethod(name);
    return support.execute(method, Service.class, new Service(), new Object[0], invoker);
  }

  @Test
  void latencyOfAdmittedCallsIsMeasuredOnTheControllersClock() throws Throwable {
    for (int i = 0; i < 4; i++) {
      call("timed", () -> {
        ticker.advance(Duration.ofMillis(100));
        return "ok";
      });
    }
    slow.tick();
    assertThat(slow.level()).as("100 ms each").isZero();
    for (int i = 0; i < 4; i++) {
      call("timed", () -> {
        ticker.advance(Duration.ofMillis(400));
        return "ok";
      });
    }
    slow.tick();
    assertThat(slow.level()).as("400 ms each").isOne();
    assertThat(slow.lastChange().reason()).contains("latency p95").contains("> 250ms");
  }

  @Test
  void exceptionsAreFailuresButRateLimitRejectionsAreNot() throws Throwable {
    RateLimitExceededException nested = new RateLimitExceededException(
        registry.register(io.limiter.core.LimitPolicy.of("inner", "1/minute")).acquire("x", 2));
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> call("failing", () -> {
        throw nested;
      })).isSameAs(nested);
    }
    call("failing", () -> "ok");
    errors.tick();
    assertThat(errors.level()).as("rejections are no server failures").isZero();
    assertThat(errors.lastHealth().detail()).contains("0 of 4 calls");

    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> call("failing", () -> {
        throw new IllegalStateException("db down");
      })).hasMessage("db down");
    }
    call("failing", () -> {
      assertThat(errors.inFlight()).as("this call is in flight").isOne();
      return "ok";
    });
    assertThat(errors.inFlight()).isZero();
    errors.tick();
    assertThat(errors.level()).isOne();
    assertThat(errors.lastChange().reason()).contains("error ratio 75% (3 of 4 calls)");
  }

  @Test
  void aTierFromSpringSecurityAuthorities() throws Throwable {
    SecurityContextHolder.getContext().setAuthentication(
        new TestingAuthenticationToken("alice", "secret", "ROLE_USER", "PLAN_pro"));
    int admitted = 0;
    for (int i = 0; i < 5; i++) {
      try {
        call("tiered", () -> "ok");
        admitted++;
      } catch (RateLimitExceededException e) {
        assertThat(e.decision().policy().spec()).hasToString("3/minute");
      }
    }
    assertThat(admitted).isEqualTo(3);
    SecurityContextHolder.clearContext();
    ticker.advance(Duration.ofMinutes(1));
    assertThat(call("tiered", () -> "ok")).as("no authentication: the lowest tier, 1/minute").isEqualTo("ok");
    assertThatThrownBy(() -> call("tiered", () -> "ok")).isInstanceOf(RateLimitExceededException.class);
  }
}
