package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.test.ManualTicker;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A key every caller shares is never put in the penalty box: not only {@code global}, but also the default key of
 * calls outside a web request (the method's own key, which every caller of the method shares: scheduled jobs,
 * message listeners, {@code @Async} threads, an application without a web layer).
 */
class SharedKeyPenaltyTest {

  private final ManualTicker ticker = new ManualTicker();
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory()).build();
  private final RateLimitAspectSupport support = RateLimitAspectSupport.builder().registry(registry)
      .requestKeys(null).steps(new SteppedLimiterRegistry(registry, new StepControllerRegistry(), List.of())).build();

  /** Limited calls with a penalty box. */
  public static class Service {
    @RateLimit(value = "2/minute", penalty = "1/minute -> block for 10 minutes")
    public String byDefaultKey() {
      return "ok";
    }

    @RateLimit(value = "2/minute", key = "global", penalty = "1/minute -> block for 10 minutes")
    public String byGlobalKey() {
      return "ok";
    }
  }

  private Object call(String name) throws Throwable {
    Method method = Service.class.getMethod(name);
    return support.execute(method, Service.class, new Service(), new Object[0], () -> "ok");
  }

  private void burstThenWaitAMinute(String name) throws Throwable {
    call(name);
    call(name);
    for (int i = 0; i < 3; i++) {
      assertThatThrownBy(() -> call(name)).isInstanceOf(RateLimitExceededException.class);
    }
    ticker.advance(Duration.ofMinutes(1).plusSeconds(1));
  }

  @Test
  void theGlobalKeyIsNeverBoxed() throws Throwable {
    burstThenWaitAMinute("byGlobalKey");
    assertThat(call("byGlobalKey")).isEqualTo("ok");
  }

  @Test
  void theMethodKeyOfCallsOutsideARequestIsNeverBoxed() throws Throwable {
    burstThenWaitAMinute("byDefaultKey");
    assertThat(call("byDefaultKey")).as("every caller shares the method key: boxing it blocks all of them")
        .isEqualTo("ok");
  }
}
