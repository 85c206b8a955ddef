package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.test.ManualPacer;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;

/**
 * {@code @RateLimit(maxWait)} through the proxy: calls beyond the rate wait for their slot (on a manual clock) and
 * then run, in arrival order; a call whose slot is further than maxWait is refused at once.
 */
class PacedCallTest {

  private final ManualTicker ticker = new ManualTicker();
  private final ManualPacer pacer = new ManualPacer(ticker);
  private final RateLimiterRegistry registry = RateLimiterRegistry.builder()
      .store(RateLimitStore.builder().ticker(ticker).buildInMemory()).pacer(pacer).build();
  private final RateLimitAspectSupport support = RateLimitAspectSupport.builder().registry(registry).build();

  public static class Partner {
    final AtomicInteger calls = new AtomicInteger();

    @RateLimit(value = "10/second burst 1", key = "global", maxWait = "300ms")
    public int call() {
      return calls.incrementAndGet();
    }
  }

  private Partner proxy(Partner target) {
    ProxyFactory factory = new ProxyFactory(target);
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(support));
    return (Partner) factory.getProxy();
  }

  @Test
  void callsBeyondTheRateWaitForTheirSlotAndThoseBeyondMaxWaitAreRefused() throws Exception {
    Partner target = new Partner();
    Partner partner = proxy(target);
    assertThat(partner.call()).isEqualTo(1); // the bucket's one permit: at once
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      List<Future<Integer>> waiting = new ArrayList<>();
      for (int i = 1; i <= 3; i++) {
        waiting.add(pool.submit(partner::call));
        pacer.awaitWaiting(i); // slots at 100, 200 and 300 ms
      }
      // the next slot (400 ms) is beyond maxWait: refused without waiting, taking nothing
      org.assertj.core.api.Assertions.assertThatThrownBy(partner::call)
          .isInstanceOf(io.limiter.core.RateLimitExceededException.class);
      assertThat(target.calls).hasValue(1);
      for (int i = 1; i <= 3; i++) {
        pacer.advance(Duration.ofMillis(100));
        pacer.awaitWaiting(3 - i);
        assertThat(waiting.get(i - 1).get(60, TimeUnit.SECONDS)).isEqualTo(i + 1);
      }
      assertThat(target.calls).hasValue(4);
    } finally {
      pool.shutdownNow();
    }
  }
}
