package io.limiter.docs.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.step.StepController;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Repository;
import io.limiter.docs.Transcript;
import io.limiter.spring.RateLimitFallback;
import io.limiter.spring.RateLimitingConfigurer;
import io.limiter.spring.boot.LimiterAutoConfiguration;
import io.limiter.test.ManualTicker;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.assertj.ApplicationContextAssertProvider;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;

/**
 * The Spring sketches of docs/spring.md and docs/step-throttling.md (Java blocks with {@code { ... }} bodies): each
 * annotation a block shows is written, character for character, on a bean in this file, and an application with those
 * beans starts (an element that is set is honoured or startup fails) and behaves as the text says.
 */
class SpringSnippetsTest {

  private static final Path SELF =
      Repository.root().resolve("limiter-docs/src/test/java/io/limiter/docs/spring/SpringSnippetsTest.java");

  private static final ManualTicker TICKER = new ManualTicker();

  private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, LimiterAutoConfiguration.class))
      .withBean(RateLimitStore.class, () -> RateLimitStore.builder().ticker(TICKER).buildInMemory());

  /** Every annotation of the block is written in this file, with the same text. */
  private static void annotationsAreWrittenHere(String reference) {
    String self = Repository.read(SELF).replaceAll("\\s+", " ");
    List<String> annotations = DocBlock.of(reference).annotations();
    assertThat(annotations).as(reference).isNotEmpty();
    for (String annotation : annotations) {
      assertThat(self).as("%s shows %s", reference, annotation).contains(annotation);
    }
  }

  // ---- docs/spring.md#fallback ----------------------------------------------------------------------------------

  /** A service calling a slow quote API, limited as the page shows. */
  public static class QuoteService {
    int fetched;

    @RateLimit(value = "10/second", name = "quotes-api", key = "global")
    @RateLimitFallback("cachedQuote")
    public String quote(String symbol) {
      fetched++;
      return "live " + symbol;
    }

    String cachedQuote(String symbol, RateLimitExceededException e) {
      return "cached " + symbol;
    }
  }

  @Test
  void theFallbackAnswersOnceTheLimitIsReached() {
    annotationsAreWrittenHere("docs/spring.md#fallback");
    runner.withBean(QuoteService.class).run(context -> {
      assertThat(context).hasNotFailed();
      QuoteService quotes = context.getBean(QuoteService.class);
      List<String> answers = new ArrayList<>();
      for (int i = 0; i < 11; i++) {
        answers.add(quotes.quote("ACME"));
      }
      assertThat(answers).startsWith("live ACME").endsWith("cached ACME");
      assertThat(answers.stream().filter(a -> a.startsWith("live"))).hasSize(10);
    });
  }

  // ---- docs/spring.md#configurer --------------------------------------------------------------------------------

  @Test
  void everyCallbackOfTheConfigurerSketchIsOneOfTheInterface() {
    DocBlock block = DocBlock.of("docs/spring.md#configurer");
    assertThat(block.annotations()).containsExactly("@Configuration", "@EnableRateLimiting");
    Matcher m = Pattern.compile("public (\\w+) (\\w+)\\(").matcher(block.body());
    List<String> shown = new ArrayList<>();
    while (m.find()) {
      String returnType = m.group(1);
      String name = m.group(2);
      Method method = Arrays.stream(RateLimitingConfigurer.class.getMethods())
          .filter(x -> x.getName().equals(name)).findFirst().orElse(null);
      assertThat(method).as("RateLimitingConfigurer." + name).isNotNull();
      assertThat(method.getReturnType().getSimpleName()).as(name).isEqualTo(returnType);
      shown.add(name);
    }
    assertThat(shown).as("the sketch shows every callback")
        .containsExactlyInAnyOrderElementsOf(Arrays.stream(RateLimitingConfigurer.class.getDeclaredMethods())
            .filter(x -> !x.isSynthetic() && !java.lang.reflect.Modifier.isStatic(x.getModifiers()))
            .map(Method::getName).toList());
  }

  // ---- docs/step-throttling.md#annotation and #spring-annotations ------------------------------------------------

  /** The step-throttling page's annotation, on a method. */
  public static class Reports {
    @RateLimit(value = "100/minute",
               tiers = "free=10/minute; pro=1000/minute; internal=unlimited; default=free",
               tierKey = "authority:PLAN_",
               schedule = "zone=Europe/Berlin; Mon-Fri 08:00-20:00 = 200%",
               adaptive = "api-health",
               penalty = "5/minute -> block for 10m")
    public String report() {
      return "report";
    }
  }

  /** The step-throttling page's controller methods. */
  public static class CatalogController {
    @GetMapping("/catalog")
    @RateLimit(value = "5/minute", name = "catalog", key = "header:X-API-Key",
        tiers = "free=5/minute; pro=100/minute; internal=unlimited; default=free",
        tierKey = "@demoApiKeys.planOf(#apiKey)")
    public String catalog(@RequestHeader("X-API-Key") String apiKey) {
      return "catalog";
    }

    @GetMapping("/work")
    @RateLimit(value = "300/second", name = "work", key = "global", adaptive = "work-health")
    public String work() {
      return "work";
    }
  }

  /** The API-key lookup the SpEL tier key calls. */
  public static class DemoApiKeys {
    public String planOf(String apiKey) {
      return apiKey.startsWith("pro-") ? "pro" : "free";
    }
  }

  @Test
  void theStepAnnotationsStartAnApplication() {
    annotationsAreWrittenHere("docs/step-throttling.md#annotation");
    annotationsAreWrittenHere("docs/step-throttling.md#spring-annotations");
    runner.withBean(Reports.class).withBean(CatalogController.class).withBean("demoApiKeys", DemoApiKeys.class)
        .withBean("apiHealth", StepController.class, () -> StepController.builder("api-health").build())
        .withBean("workHealth", StepController.class, () -> StepController.builder("work-health").build())
        .run(context -> {
          assertThat(context).hasNotFailed();
          CatalogController catalog = context.getBean(CatalogController.class);
          assertThat(org.springframework.aop.support.AopUtils.isAopProxy(catalog)).as("limited").isTrue();
          for (int i = 0; i < 300; i++) {
            assertThat(catalog.work()).isEqualTo("work");
          }
          org.assertj.core.api.Assertions.assertThatThrownBy(catalog::work)
              .isInstanceOf(RateLimitExceededException.class);
        });
  }

  // ---- docs/step-throttling.md#boot-errors ------------------------------------------------------------------------

  private static List<String> problems(ApplicationContextAssertProvider<?> context) {
    assertThat(context).hasFailed();
    Throwable t = context.getStartupFailure();
    while (t != null && !(t instanceof RateLimitConfigException)) {
      t = t.getCause();
    }
    assertThat(t).as("a RateLimitConfigException in " + context.getStartupFailure()).isNotNull();
    return ((RateLimitConfigException) t).problems();
  }

  @Test
  void everyStartupErrorThePageListsIsOneTheLimiterReports() {
    List<String> actual = new ArrayList<>();
    runner.withPropertyValues(
            "limiter.adaptive.work-health.latency=p95 150ms",
            "limiter.policies.a.limits=10/minute", "limiter.policies.a.tiers=free=10/minit",
            "limiter.policies.a.tier-key=attribute:plan",
            "limiter.policies.b.limits=10/minute", "limiter.policies.b.adaptive=nope")
        .run(context -> actual.addAll(problems(context)));
    runner.withPropertyValues("limiter.adaptive.api-health.down-after=0")
        .run(context -> actual.addAll(problems(context)));
    runner.withBean(Api.class).withPropertyValues("limiter.adaptive.work-health.latency=p95 150ms",
            "limiter.policies.search.limits=20/second")
        .run(context -> actual.addAll(problems(context)));
    runner.withPropertyValues("limiter.policies.api.limits=10/minute",
            "limiter.policies.api.tiers=free=1/minute; pro=10/minute",
            "limiter.policies.api.tier-key=#request.getHeader('X-Plan')",
            "limiter.filter.rules[0].paths=/api/**", "limiter.filter.rules[0].policy=api")
        .run(context -> actual.addAll(problems(context)));
    System.out.println(String.join("\n", actual));
    for (String documented : DocBlock.of("docs/step-throttling.md#boot-errors").lines()) {
      assertThat(actual).as("the limiter's startup problems").anySatisfy(line ->
          assertThat(Transcript.differences(List.of(documented), List.of(line))).isEmpty());
    }
  }
}

/** Two mistakes on annotations, as the page lists them. */
class Api {
  @RateLimit(value = "10/minute", adaptive = "nope")
  public String search() {
    return "search";
  }

  @RateLimit(name = "search", tiers = "free=1/minute", tierKey = "attribute:plan")
  public String list() {
    return "list";
  }
  /** The refresh command names the endpoint's write: POST on the endpoint's id with the one selector "policies". */
  @Test
  void theRefreshCommandIsTheEndpointsWrite() throws Exception {
    assertThat(DocBlock.of("docs/spring.md#refresh-policies").lines())
        .containsExactly("curl -X POST http://localhost:8080/actuator/ratelimits/policies");
    Class<?> endpoint = io.limiter.spring.boot.actuate.RateLimitsEndpoint.class;
    assertThat(endpoint.getAnnotation(org.springframework.boot.actuate.endpoint.annotation.Endpoint.class).id())
        .isEqualTo("ratelimits");
    Method refresh = endpoint.getMethod("refresh", String.class);
    assertThat(refresh.isAnnotationPresent(org.springframework.boot.actuate.endpoint.annotation.WriteOperation.class))
        .isTrue();
    assertThat(refresh.getParameters()[0]
        .isAnnotationPresent(org.springframework.boot.actuate.endpoint.annotation.Selector.class)).isTrue();
  }
}
