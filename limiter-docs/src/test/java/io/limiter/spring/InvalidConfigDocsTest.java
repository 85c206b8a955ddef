package io.limiter.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.limiter.core.RateLimitConfigException;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Transcript;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.RateLimitConfigurationFailureAnalyzer;
import org.junit.jupiter.api.Test;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * docs/spring.md's startup failure: an application whose {@code application.properties} (this module's test resource,
 * the four lines the page names) misspells two properties prints the page's failure analysis.
 */
class InvalidConfigDocsTest {

  @ImportAutoConfiguration(LimiterAutoConfiguration.class)
  static class App {
  }

  @Test
  void theMisspelledPropertiesFailStartupWithThePagesAnalysis() {
    Throwable thrown = catchThrowable(() -> new SpringApplicationBuilder(App.class)
        .web(WebApplicationType.NONE).logStartupInfo(false).run().close());
    Throwable t = thrown;
    while (t != null && !(t instanceof RateLimitConfigException)) {
      t = t.getCause();
    }
    assertThat(t).as("a RateLimitConfigException in %s", thrown).isNotNull();
    FailureAnalysis analysis = new RateLimitConfigurationFailureAnalyzer().analyze(thrown);
    assertThat(analysis).isNotNull();
    assertThat(Transcript.differences(DocBlock.of("docs/spring.md#invalid-config").lines(),
        analysis.getDescription().lines().toList())).isEmpty();
  }
}
