package io.limiter.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitStore;
import io.limiter.core.step.PenaltyRule;
import io.limiter.core.step.StepController;
import io.limiter.core.step.StepSchedule;
import io.limiter.core.step.SteppedRateLimiter;
import io.limiter.core.step.Tiers;
import io.limiter.test.ManualTicker;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

/**
 * The blocks of docs/step-throttling.md about the core model: the specs parse and mean what the text says, the health
 * feed is a region run here, and the log line is the one a controller writes.
 */
class StepSnippetsTest {

  /** The filter's health feed, as the page shows it, around a chain that answers with a status. */
  private static void healthFeed(StepController controller, FilterChain chain, ServletRequest request,
      HttpServletResponse response, String client, long clientWaitNanos) throws Exception {
    // tag::health-feed[]
    long token = controller.callStarted();
    boolean failed = true;
    try {
      chain.doFilter(request, response);
      failed = response.getStatus() >= 500;           // a 4xx is the client's doing, not a failure
    } finally {
      // client: who made the call (its address); clientWaitNanos: time blocked on the client's own I/O
      controller.callFinished(token, failed, client, clientWaitNanos);
    }
    // end::health-feed[]
  }

  @Test
  void theHealthFeedCountsA5xxAsAFailureAndA4xxNot() throws Exception {
    for (int status : new int[] {404, 503}) {
      StepController controller = StepController.builder("feed").errorRatio(0.05).minSamples(1).ignoredKeys(0)
          .ticker(new ManualTicker()).build();
      HttpServletResponse response = mock(HttpServletResponse.class);
      when(response.getStatus()).thenReturn(status);
      healthFeed(controller, mock(FilterChain.class), mock(ServletRequest.class), response, "192.0.2.1", 0);
      assertThat(controller.inFlight()).isZero();
      controller.tick();
      assertThat(controller.lastHealth().status().name()).as("status %d", status)
          .isEqualTo(status >= 500 ? "UNHEALTHY" : "HEALTHY");
    }
  }

  @Test
  void theScheduleParsesAndItsHolidaysComeFirst() {
    StepSchedule schedule = StepSchedule.parse(DocBlock.of("docs/step-throttling.md#schedule").body().strip());
    // Wednesday 2025-12-24 10:00 in Berlin: a weekday in office hours, and a holiday; dates are checked first
    assertThat(schedule.limitsAt(Instant.parse("2025-12-24T09:00:00Z")).orElseThrow().limits().toString())
        .isEqualTo("200/minute");
    assertThat(schedule.limitsAt(Instant.parse("2025-12-23T09:00:00Z")).orElseThrow().limits().toString())
        .isEqualTo("1000/minute");
    assertThat(schedule.limitsAt(Instant.parse("2025-12-27T09:00:00Z")).orElseThrow().limits().toString())
        .isEqualTo("200/minute");
    assertThat(schedule.limitsAt(Instant.parse("2026-01-01T09:00:00Z")).orElseThrow().factor()).isEqualTo(0.5);
  }

  @Test
  void theTiersParseWithAMultiLimitValue() {
    Tiers tiers = Tiers.parse(DocBlock.of("docs/step-throttling.md#tiers").body().strip());
    assertThat(tiers.tiers()).extracting(Tiers.Tier::name).containsExactly("free", "pro", "partner", "internal");
    assertThat(tiers.tier("pro").orElseThrow().limits().limits().limits()).hasSize(2);
    assertThat(tiers.defaultTier()).contains("free");
  }

  @Test
  void everyPenaltyLineParsesAndMeansItsComment() {
    List<PenaltyRule> rules = new ArrayList<>();
    for (String line : DocBlock.of("docs/step-throttling.md#penalties").lines()) {
      rules.add(PenaltyRule.parse(line.split(" {2,}")[0]));
    }
    assertThat(rules).hasSize(3);
    assertThat(rules.get(0).rejections()).isEqualTo(5);
    assertThat(rules.get(0).duration()).isEqualTo(Duration.ofMinutes(10));
    assertThat(rules.get(1).action().factor()).isEqualTo(0.1);
    assertThat(rules.get(1).duration()).isEqualTo(Duration.ofHours(1));
    assertThat(rules.get(2).action().limits().toString()).isEqualTo("1/minute");
    assertThat(rules.get(2).duration()).isEqualTo(Duration.ofMinutes(30));
  }

  @Test
  void percentagesMultiplyAsTheFormulaSays() {
    List<String> formula = DocBlock.of("docs/step-throttling.md#effective-limits").lines();
    assertThat(formula.get(0)).contains("tier %").contains("schedule %").contains("level factor");
    ManualTicker ticker = new ManualTicker();
    SteppedRateLimiter<String> limiter = SteppedRateLimiter
        .<String>builder(LimitPolicy.of("api", "100/minute"), RateLimitStore.builder().ticker(ticker).buildInMemory())
        .tiers(Tiers.parse("half=50%; default=half"))
        .tierResolver(c -> c)
        .schedule(StepSchedule.parse("zone=UTC; default=50%"))
        .clock(ticker.asClock(java.time.ZoneOffset.UTC))
        .build();
    Decision d = limiter.acquire("ip:192.0.2.1", "half");
    assertThat(d.policy().limits().get(0).permits()).isEqualTo(25); // 100 × 50% × 50%
  }

  @Test
  void aStepDownLogsTheLineThePageShows() {
    ManualTicker ticker = new ManualTicker();
    StepController controller = StepController.builder("api-health").latency(95, Duration.ofMillis(250))
        .ignoredKeys(0).ticker(ticker).build();
    List<LogRecord> records = new ArrayList<>();
    Logger logger = Logger.getLogger(StepController.class.getName());
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord r) {
        records.add(r);
      }

      @Override
      public void flush() {
      }

      @Override
      public void close() {
      }
    };
    logger.addHandler(capture);
    try {
      for (int interval = 0; interval < 3; interval++) {
        long[] tokens = new long[100];
        for (int i = 0; i < tokens.length; i++) {
          tokens[i] = controller.callStarted();
        }
        ticker.advance(Duration.ofMillis(500));
        for (long token : tokens) {
          controller.callFinished(token, false);
        }
        ticker.advance(Duration.ofMillis(500));
        controller.tick();
      }
    } finally {
      logger.removeHandler(capture);
    }
    List<String> lines = records.stream().map(r -> java.text.MessageFormat.format(r.getMessage(),
        r.getParameters() == null ? new Object[0] : r.getParameters())).toList();
    assertThat(Transcript.differences(DocBlock.of("docs/step-throttling.md#step-log-line").lines(), lines)).isEmpty();
  }

  @Test
  void theBuilderListsEveryProblemAsThePageShows() {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> SteppedRateLimiter
        .<String>builder(LimitPolicy.of("api", "100/minute"), RateLimitStore.inMemory())
        .schedule("zone=UTC; Mon = 1000/minit", "init-param policy.api.schedule")
        .tiers("pro=100/second; 1000/minute", "init-param policy.api.tiers")
        .tierResolver(c -> c)
        .controller(StepController.builder("api-health").build())
        .build());
    assertThat(thrown).isInstanceOf(io.limiter.core.RateLimitConfigException.class);
    assertThat(Transcript.differences(DocBlock.of("docs/step-throttling.md#invalid-config").lines(),
        thrown.getMessage().lines().toList())).isEmpty();
  }
}
