package io.limiter.examples.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspect;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import org.aspectj.lang.Aspects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The aspect as woven by ajc: no Spring context, no proxy. */
class WovenRateLimitTest {

  static final ManualTicker TICKER = new ManualTicker();

  @BeforeAll
  static void configureTheWovenAspect() {
    RateLimitAspectSupport support = RateLimitAspectSupport.builder()
        .registry(RateLimiterRegistry.builder().store(RateLimitStore.builder().ticker(TICKER).buildInMemory()).build())
        .proxyMode(false)
        .build();
    support.validate(Inventory.class);
    Aspects.aspectOf(RateLimitAspect.class).setSupport(support);
  }

  @Test
  void thePrivateMethodIsLimitedEvenWhenCalledFromInside() {
    Inventory inventory = new Inventory();
    assertThat(inventory.getClass()).isEqualTo(Inventory.class);
    assertThat(inventory.stock("apple")).isEqualTo(5);
    assertThat(inventory.stock("apple")).isEqualTo(5);
    assertThatThrownBy(() -> inventory.stock("apple")).isInstanceOfSatisfying(RateLimitExceededException.class,
        e -> assertThat(e.decision().policy().name()).isEqualTo("Inventory.lookUp"));
    assertThat(inventory.stock("pear")).as("SpEL key per sku").isEqualTo(4);
    TICKER.advance(Duration.ofSeconds(30));
    assertThat(inventory.stock("apple")).isEqualTo(5);
  }

  @Test
  void staticMethodsAreLimited() {
    assertThat(Inventory.report()).isEqualTo("report");
    assertThatThrownBy(Inventory::report).isInstanceOf(RateLimitExceededException.class);
  }
}
