package io.limiter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.StepControllerRegistry;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.spring.boot.LimiterMetricsAutoConfiguration;
import io.limiter.spring.boot.actuate.RateLimitsEndpointAutoConfiguration;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;

/**
 * The Spring Boot properties blocks of docs/spring.md and docs/step-throttling.md, read from the pages and loaded the
 * way Spring Boot reads {@code application.properties} (a value runs to the end of its line): each starts an
 * application with the limiter's auto-configuration. A block edited into something that does not start fails here.
 * Blocks that configure Redis ({@code limiter.store=redis}, with placeholder hosts) are left to the Redis tests.
 */
class DocsPropertiesTest {

  private static final Pattern FENCE = Pattern.compile("(?ms)^```(\\w*)\\n(.*?)^```");

  private static final AutoConfigurations LIMITER = AutoConfigurations.of(LimiterAutoConfiguration.class,
      LimiterMetricsAutoConfiguration.class, RateLimitsEndpointAutoConfiguration.class);

  /** @return the page's {@code properties} blocks, each as Spring Boot would read it from a file */
  private static List<Properties> propertiesBlocks(String page) throws IOException {
    // Surefire runs in the module directory; the pages live at the repository root
    String text = Files.readString(Path.of("..", "docs", page), StandardCharsets.UTF_8);
    List<Properties> out = new ArrayList<>();
    Matcher m = FENCE.matcher(text);
    while (m.find()) {
      if (m.group(1).equals("properties")) {
        Properties p = new Properties();
        p.load(new StringReader(m.group(2)));
        out.add(p);
      }
    }
    return out;
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
    int checked = 0;
    for (String page : List.of("spring.md", "step-throttling.md")) {
      for (Properties block : propertiesBlocks(page)) {
        if (!bootBlock(block) || "redis".equals(block.getProperty("limiter.store"))) {
          continue;
        }
        runner()
            // the custom signal the step-throttling block names
            .withBean("queueDepth", HealthSignal.class, () -> HealthSignal.threshold("queue-depth", () -> 3, 100))
            .withPropertyValues(pairs(block))
            .run(context -> {
              assertThat(context).as("%s: %s", page, block).hasNotFailed();
              assertThat(context).hasSingleBean(RateLimiterRegistry.class);
            });
        checked++;
      }
    }
    // spring.md: the quick start's filter rule, the actuator access; step-throttling.md: controller and policy
    assertThat(checked).isEqualTo(3);
  }

  @Test
  void theStepThrottlingBlockMeansWhatItsCommentsSay() throws Exception {
    Properties block = propertiesBlocks("step-throttling.md").stream()
        .filter(p -> p.containsKey("limiter.policies.search.limits")).findFirst().orElseThrow();
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
