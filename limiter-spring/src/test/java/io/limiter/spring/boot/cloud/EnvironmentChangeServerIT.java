package io.limiter.spring.boot.cloud;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Limit;
import io.limiter.core.LimitSpec;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.test.ManualTicker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.cloud.context.environment.EnvironmentChangeEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.MapPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A Boot application on a real Tomcat, with Spring Cloud's own auto-configuration (spring-cloud-context) present:
 * {@code limiter.*} changed in a property source first in the environment (as a config server's or a config map's is)
 * and an {@link EnvironmentChangeEvent} published as {@code ContextRefresher} does, while clients send requests over
 * HTTP. The clock is a {@link ManualTicker} that stands still during each phase, so the admitted count of a phase is
 * exact: a GCRA rejection changes no state, so the phase at whose instant the old limit admits nothing admits exactly
 * what the new limit does, whenever the swap lands among the requests. Then the same through
 * {@code POST /actuator/ratelimits/policies}.
 */
@SpringBootTest(classes = EnvironmentChangeServerIT.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"limiter.policies.api.limits=5/minute", "limiter.policies.other.limits=5/minute",
        "management.endpoints.web.exposure.include=ratelimits", "management.endpoint.ratelimits.access=unrestricted"})
class EnvironmentChangeServerIT {

  private static final int CLIENTS = 4;
  private static final int REQUESTS = 6;
  private static final ExecutorService POOL = Executors.newFixedThreadPool(CLIENTS);
  private static final ManualTicker TICKER = new ManualTicker(1_699_920_000L * 1_000_000_000L);

  /** The application: one handler limited by the policy {@code api}, one key for everyone. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  public static class App {
    @Bean
    RateLimitStore store() {
      return RateLimitStore.builder().ticker(TICKER).buildInMemory();
    }

    @Bean
    Api api() {
      return new Api();
    }
  }

  /** The limited handler. */
  @RestController
  public static class Api {
    @GetMapping("/api")
    @RateLimit(name = "api", key = "global")
    public String api() {
      return "ok";
    }
  }

  /** GCRA of the one key while the clock stands still: n admitted iff tat + n*T - now <= B. */
  private static final class Bucket {
    long tat = Long.MIN_VALUE / 4;

    /** What a phase at {@code now} admits under {@code spec}, given enough requests; moves the state on. */
    int admit(String spec, long now) {
      Limit limit = LimitSpec.parse(spec).limits().get(0);
      long from = Math.max(tat, now) - now;
      int n = (int) Math.max(0, (limit.burstPeriodNanos() - from) / limit.emissionIntervalNanos());
      tat = Math.max(tat, now) + n * limit.emissionIntervalNanos();
      return n;
    }

    /** What {@code spec} would admit now, without moving the state. */
    int wouldAdmit(String spec, long now) {
      long saved = tat;
      int n = admit(spec, now);
      tat = saved;
      return n;
    }
  }

  @LocalServerPort
  int port;

  @Autowired
  ConfigurableApplicationContext context;

  @Autowired
  RateLimiterRegistry registry;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
  private final Map<String, Object> cloud = new ConcurrentHashMap<>();
  private final Bucket model = new Bucket();

  @BeforeEach
  void cloudSourceFirst() {
    context.getEnvironment().getPropertySources().addFirst(new MapPropertySource("cloud-config", cloud));
  }

  @AfterAll
  static void stopClients() {
    POOL.shutdownNow();
  }

  private HttpResponse<String> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(request.uri() + " failed", e);
    }
  }

  private int get() {
    int status = send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api"))
        .timeout(Duration.ofSeconds(60)).build()).statusCode();
    assertThat(status).as("GET /api").isIn(200, 429);
    return status == 200 ? 1 : 0;
  }

  /**
   * {@link #CLIENTS} clients send {@link #REQUESTS} requests each; {@code change} runs once the first answer is in,
   * while the others are under way; then one more request per client after it. Returns the admitted count.
   */
  private int phase(Runnable change) throws Exception {
    CountDownLatch answered = new CountDownLatch(1);
    List<Future<Integer>> clients = new ArrayList<>();
    for (int c = 0; c < CLIENTS; c++) {
      clients.add(POOL.submit(() -> {
        int admitted = 0;
        for (int i = 0; i < REQUESTS; i++) {
          admitted += get();
          answered.countDown();
        }
        return admitted;
      }));
    }
    assertThat(answered.await(2, TimeUnit.MINUTES)).isTrue();
    change.run();
    int admitted = 0;
    for (Future<Integer> client : clients) {
      admitted += client.get(2, TimeUnit.MINUTES);
    }
    for (int c = 0; c < CLIENTS; c++) {
      admitted += get();
    }
    return admitted;
  }

  /** As a Spring Cloud refresh: the new values in the first property source, then the event naming their keys. */
  private Runnable cloudChange(Map<String, String> values) {
    return () -> {
      // tag::environment-change[]
      cloud.putAll(values); // the values of a property source first in the environment change
      context.publishEvent(new EnvironmentChangeEvent(context, Set.copyOf(values.keySet()))); // naming their keys
      // end::environment-change[]
    };
  }

  private long advance(Duration by) {
    TICKER.advance(by);
    return TICKER.read();
  }

  private String spec() {
    return registry.limiter("api").policy().spec().toString();
  }

  @Test
  void limiterPropertiesChangedInTheEnvironmentApplyUnderLoadExactlyAsTheModel() throws Exception {
    cloudChange(Map.of("limiter.policies.api.limits", "5/minute")).run(); // as at startup, whatever ran before
    long now = advance(Duration.ofHours(1));
    assertThat(phase(() -> { })).as("5/minute").isEqualTo(model.admit("5/minute", now)).isPositive();

    // raise while clients send, at an instant where 5/minute admits nothing more and 10/minute does
    now = advance(Duration.ofSeconds(8));
    assertThat(model.wouldAdmit("5/minute", now)).as("the test's design").isZero();
    assertThat(phase(cloudChange(Map.of("limiter.policies.api.limits", "10/minute")))).as("raised under load")
        .isEqualTo(model.admit("10/minute", now)).isPositive();
    assertThat(spec()).isEqualTo("10/minute");
    now = advance(Duration.ofSeconds(30));
    assertThat(model.wouldAdmit("10/minute", now)).as("the test's design")
        .isGreaterThan(model.wouldAdmit("5/minute", now));
    assertThat(phase(() -> { })).as("10/minute, state kept").isEqualTo(model.admit("10/minute", now));

    // lower while clients send (nothing is left at this instant under either), then the lower limit decides
    assertThat(phase(cloudChange(Map.of("limiter.policies.api.limits", "2/minute")))).as("lowered under load")
        .isEqualTo(model.admit("2/minute", now)).isZero();
    now = advance(Duration.ofSeconds(45));
    assertThat(model.wouldAdmit("2/minute", now)).as("the test's design")
        .isLessThan(model.wouldAdmit("10/minute", now)).isPositive();
    assertThat(phase(() -> { })).as("2/minute").isEqualTo(model.admit("2/minute", now));

    // an invalid update (a raise of api next to an invalid other) is refused whole and logged: 2/minute stays
    ListenerLog log = new ListenerLog();
    assertThat(phase(cloudChange(Map.of("limiter.policies.api.limits", "50/minute",
        "limiter.policies.other.limits", "10/fortnight")))).as("refused under load").isZero();
    now = advance(Duration.ofSeconds(60));
    assertThat(model.wouldAdmit("2/minute", now)).as("the test's design")
        .isLessThan(model.wouldAdmit("50/minute", now));
    assertThat(phase(() -> { })).as("still 2/minute").isEqualTo(model.admit("2/minute", now));
    assertThat(spec()).isEqualTo("2/minute");
    log.close();
    assertThat(log.warnings()).singleElement().asString().contains(
        "update is refused; the running policies stay in force", "limiter.policies.other", "fortnight");

    // a key outside limiter.* triggers nothing, even though limiter.* changed underneath
    cloud.remove("limiter.policies.other.limits");
    cloud.put("limiter.policies.api.limits", "3/minute");
    context.publishEvent(new EnvironmentChangeEvent(context, Set.of("server.shutdown")));
    assertThat(spec()).as("not refreshed for another key").isEqualTo("2/minute");
  }

  @Test
  void theActuatorWriteAppliesOrRefusesOverHttp() throws Exception {
    cloud.put("limiter.policies.api.limits", "7/minute");
    HttpResponse<String> applied = post();
    assertThat(applied.statusCode()).isEqualTo(200);
    assertThat(applied.body()).contains("\"policy\":\"api\"", "\"to\":\"7/minute\"");
    assertThat(spec()).isEqualTo("7/minute");
    long now = advance(Duration.ofHours(1));
    assertThat(phase(() -> { })).as("7/minute").isEqualTo(model.admit("7/minute", now));

    cloud.put("limiter.policies.api.limits", "70/minute");
    cloud.put("limiter.policies.api.cost", "0");
    HttpResponse<String> refused = post();
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(refused.body()).contains("refused; the running policies stay in force", "limiter.policies.api");
    assertThat(spec()).isEqualTo("7/minute");
    now = advance(Duration.ofSeconds(5));
    assertThat(model.wouldAdmit("7/minute", now)).as("the test's design")
        .isLessThan(model.wouldAdmit("70/minute", now));
    assertThat(phase(() -> { })).as("still 7/minute").isEqualTo(model.admit("7/minute", now));
  }

  private HttpResponse<String> post() {
    return send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/ratelimits/policies"))
        .timeout(Duration.ofSeconds(60)).POST(HttpRequest.BodyPublishers.noBody()).build());
  }
}
