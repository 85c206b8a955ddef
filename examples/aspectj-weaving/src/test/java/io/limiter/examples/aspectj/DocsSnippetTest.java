package io.limiter.examples.aspectj;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.spring.aop.RateLimitAspect;
import io.limiter.spring.aop.RateLimitAspectSupport;
import org.aspectj.lang.Aspects;
import org.junit.jupiter.api.Test;

/**
 * docs/spring.md's AspectJ snippet is the region {@code configure} below (limiter-docs compares the page with it): run
 * as written, it makes the woven aspect limit a private method called from inside its class.
 */
class DocsSnippetTest {

  @Test
  void theSnippetConfiguresTheWovenAspect() {
    // tag::configure[]
    Aspects.aspectOf(RateLimitAspect.class).setSupport(RateLimitAspectSupport.builder()
        .registry(RateLimiterRegistry.builder().store(RateLimitStore.inMemory()).build())
        .proxyMode(false)
        .build());
    // end::configure[]
    Inventory inventory = new Inventory();
    assertThat(inventory.stock("docs")).isEqualTo(4);
    assertThat(inventory.stock("docs")).isEqualTo(4);
    assertThatThrownBy(() -> inventory.stock("docs")).isInstanceOf(RateLimitExceededException.class);
  }
}
