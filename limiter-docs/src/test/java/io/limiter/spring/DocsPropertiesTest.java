package io.limiter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.docs.DocBlock;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterMetricsAutoConfiguration;
import io.limiter.spring.boot.actuate.RateLimitsEndpointAutoConfiguration;
import java.io.IOException;
import java.io.StringReader;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The Spring Boot properties blocks of docs/spring.md and docs/step-throttling.md, read from the pages by their markers
 * and loaded the way Spring Boot reads {@code application.properties} (a value runs to the end of its line): each
 * starts an application with the limiter's auto-configuration. A block edited into something that does not start
 * fails here. The Redis blocks are in {@code RedisDocsTest}.
 */
class DocsPropertiesTest {

  private static final AutoConfigurations LIMITER = AutoConfigurations.of(LimiterAutoConfiguration.class,
      LimiterMetricsAutoConfiguration.class, RateLimitsEndpointAutoConfiguration.class);

  /** @return the block, read as Spring Boot reads {@code application.properties} */
  private static Properties block(String reference) throws IOException {
    Properties p = new Properties();
    p.load(new StringReader(DocBlock.of(reference).body()));
    return p;
  }

  /** As a Spring Boot application converts property values (lenient enums: {@code access=unrestricted}). */
  private static WebApplicationContextRunner runner() {
    return new WebApplicationContextRunner().withConfiguration(LIMITER)
        .withInitializer(c -> {
          ApplicationConversionService conversion = new ApplicationConversionService();
          c.getEnvironment().setConversionService(conversion);
          c.getBeanFactory().setConversionService(conversion);
        });
  }

  private static boolean bootBlock(Properties p) {
    return p.stringPropertyNames().stream().allMatch(k -> k.startsWith("limiter.") || k.startsWith("management.")
        || k.startsWith("spring."));
  }

  private static String[] pairs(Properties p) {
    return p.stringPropertyNames().stream().sorted().map(k -> k + "=" + p.getProperty(k)).toArray(String[]::new);
  }

  @Test
  void everyBootPropertiesBlockStartsAnApplication() throws Exception {
    for (String reference : List.of("docs/spring.md#quick-start-rule", "docs/spring.md#actuator-access",
        "docs/step-throttling.md#boot-properties")) {
      Properties block = block(reference);
      runner()
          // the custom signal the step-throttling block names
          .withBean("queueDepth", HealthSignal.class, () -> HealthSignal.threshold("queue-depth", () -> 3, 100))
          .withPropertyValues(pairs(block))
          .run(context -> {
            assertThat(context).as("%s: %s", reference, block).hasNotFailed();
            assertThat(context).hasSingleBean(RateLimiterRegistry.class);
          });
    }
  }

  @Test
  void theStepThrottlingBlockMeansWhatItsCommentsSay() throws Exception {
    Properties block = block("docs/step-throttling.md#boot-properties");
    assertThat(block.getProperty("limiter.adaptive.work-health.signals")).isEqualTo("queue-depth");
    runner()
        .withBean("queueDepth", HealthSignal.class, () -> HealthSignal.threshold("queue-depth", () -> 3, 100))
        .withPropertyValues(pairs(block))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(StepControllerRegistry.class).controller("work-health").signals())
              .extracting(HealthSignal::name).contains("queue-depth");
          assertThat(context.getBean(RateLimiterRegistry.class).find("search")).isPresent();
        });
  }
}
