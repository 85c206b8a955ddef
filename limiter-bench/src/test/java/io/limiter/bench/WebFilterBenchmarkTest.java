package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** WebFilterBenchmark's two operations do what it claims: the filter admits and charges, the bare chain does not. */
class WebFilterBenchmarkTest {

  @Test
  void theFilterAdmitsWithItsFieldsAndTheBareChainHasNone() {
    WebFilterBenchmark benchmark = new WebFilterBenchmark();
    benchmark.setUp();
    for (int i = 0; i < 1_000; i++) {
      assertThat(benchmark.filtered().getResponse().getHeaders().getFirst("RateLimit")).startsWith("\"hello\";r=");
    }
    assertThat(benchmark.bare().getResponse().getHeaders().getFirst("RateLimit")).isNull();
  }
}
