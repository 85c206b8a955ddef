package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Decision;
import io.limiter.core.FailureMode;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.test.FailingStore;
import io.limiter.core.RateLimiterRegistry;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.aop.framework.ProxyFactory;
import reactor.core.publisher.Mono;

/**
 * {@code @RateLimit} while the store is down: the policy's failure mode decides, and the listener hears of it as of
 * any decision; a listener that throws is logged and swallowed (its contract), never the call's failure, on the
 * blocking and the reactive path.
 */
class AspectStoreFailureTest {

  /** A store that is down: every decision throws. */
  private static final RateLimitStore DOWN = FailingStore.down();

  /** A method of a fail-open policy. */
  public static class Service {
    @RateLimit(name = "open", key = "#key")
    public String call(String key) {
      return "ok";
    }

    @RateLimit(name = "open", key = "#key")
    public Mono<String> callReactive(String key) {
      return Mono.just("ok");
    }

    @RateLimit(name = "watch", key = "#key")
    public String watched(String key) {
      return "ok";
    }

    @RateLimit(name = "watch", key = "#key")
    public Mono<String> watchedReactive(String key) {
      return Mono.just("ok");
    }
  }

  @Test
  void aListenerThatThrowsOnAStoreFailureIsSwallowedAndTheFailureModeDecides() {
    List<Decision> heard = new CopyOnWriteArrayList<>();
    RateLimitListener broken = new RateLimitListener() {
      @Override
      public void onAllowed(String key, Decision decision) {
        heard.add(decision);
        throw new IllegalStateException("a broken listener must not break rate limiting");
      }
    };
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(DOWN).listener(broken)
        .policy(LimitPolicy.of("open", "1/minute").toBuilder().failureMode(FailureMode.FAIL_OPEN).build()).build();
    Service service = proxy(registry);
    assertThat(service.call("k")).as("fail-open admits while the store is down").isEqualTo("ok");
    assertThat(service.callReactive("k").block()).isEqualTo("ok");
    assertThat(heard).as("the listener heard both degraded admissions").hasSize(2);
  }

  /**
   * A shadow policy only reports: a fail-closed one whose store is down lets the call through as a shadow rejection,
   * as the filters do for a shadow rule ({@code RequestDecider}), rather than rejecting it.
   */
  @Test
  void aShadowPolicyFailingClosedWhileTheStoreIsDownLetsTheCallThrough() {
    List<Decision> heard = new CopyOnWriteArrayList<>();
    RateLimitListener listener = new RateLimitListener() {
      @Override
      public void onRejected(String key, Decision decision) {
        heard.add(decision);
      }
    };
    RateLimiterRegistry registry = RateLimiterRegistry.builder().store(DOWN).listener(listener)
        .policy(LimitPolicy.of("watch", "1/minute").toBuilder().shadow(true).failureMode(FailureMode.FAIL_CLOSED)
            .build()).build();
    Service service = proxy(registry);
    assertThat(service.watched("k")).isEqualTo("ok");
    assertThat(service.watchedReactive("k").block()).isEqualTo("ok");
    assertThat(heard).extracting(Decision::outcome)
        .containsExactly(Decision.Outcome.SHADOW_REJECTED, Decision.Outcome.SHADOW_REJECTED);
  }

  private static Service proxy(RateLimiterRegistry registry) {
    ProxyFactory factory = new ProxyFactory(new Service());
    factory.setProxyTargetClass(true);
    factory.addAdvice(new RateLimitInterceptor(RateLimitAspectSupport.builder().registry(registry).build()));
    return (Service) factory.getProxy();
  }
}
