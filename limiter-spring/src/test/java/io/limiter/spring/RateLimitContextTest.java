package io.limiter.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.Decision;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.spring.aop.RateLimitAspectSupport;
import io.limiter.core.FailureMode;
import io.limiter.test.FailingStore;
import io.limiter.test.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@code @EnableRateLimiting} in a plain Spring application context (no Boot): a service throttling outbound calls,
 * class-level plus method-level annotations, annotations on generic interface methods, the configurer callbacks, and
 * store failures.
 */
class RateLimitContextTest {

  static final ManualTicker TICKER = new ManualTicker();

  /** A client of a partner API that allows 3 calls a minute; not a controller. */
  public static class PartnerClient {
    @RateLimit(value = "3/minute", name = "partner-api", key = "global")
    public String fetch(String id) {
      return "partner:" + id;
    }
  }

  /** Class level: 4/minute for every public method together; method level refines it. */
  @RateLimit("4/minute")
  public static class ReportService {
    public String daily() {
      return "daily";
    }

    @RateLimit("1/minute")
    public String expensive() {
      return "expensive";
    }

    @RateLimit(name = "RateLimitContextTest.ReportService", cost = 2)
    public String heavy() {
      return "heavy";
    }

    String packagePrivate() {
      return "not limited";
    }
  }

  /** A generic interface whose method carries the annotation. */
  public interface Handler<T> {
    @RateLimit(value = "2/minute", key = "#p0")
    String handle(T input);
  }

  /** Implements it with a concrete type: the compiler adds a bridge method. */
  public static class StringHandler implements Handler<String> {
    @Override
    public String handle(String input) {
      return "handled:" + input;
    }
  }

  /** A key from a resolver registered by the configurer. */
  public static class TenantService {
    @RateLimit(value = "1/minute", key = "tenant")
    public String call() {
      return "ok";
    }
  }

  /** The store of the latest context: switched to failing, to exercise failure modes. */
  static volatile FailingStore store;

  public static class FragileService {
    @RateLimit(name = "closed")
    public String closed() {
      return "closed";
    }

    @RateLimit(name = "open")
    public String open() {
      return "open";
    }
  }

  static final ThreadLocal<String> TENANT = new ThreadLocal<>();
  static final List<Decision> SEEN = new CopyOnWriteArrayList<>();

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting(proxyTargetClass = true)
  static class Config implements RateLimitingConfigurer {
    @Override
    public RateLimitStore store() {
      store = FailingStore.over(RateLimitStore.builder().ticker(TICKER).buildInMemory());
      return store;
    }

    @Override
    public void addPolicies(List<LimitPolicy> policies) {
      policies.add(LimitPolicy.builder("closed").limits("5/minute").failureMode(FailureMode.FAIL_CLOSED).build());
      policies.add(LimitPolicy.builder("open").limits("5/minute").failureMode(FailureMode.FAIL_OPEN).build());
    }

    @Override
    public void addKeyResolvers(KeyResolverRegistry resolvers) {
      resolvers.register("tenant", invocation -> TENANT.get());
    }

    @Override
    public void addListeners(List<RateLimitListener> listeners) {
      listeners.add(new RateLimitListener() {
        @Override
        public void onAllowed(String key, Decision decision) {
          SEEN.add(decision);
        }

        @Override
        public void onRejected(String key, Decision decision) {
          SEEN.add(decision);
        }
      });
    }

    @Override
    public MissingKeyStrategy missingKeyStrategy() {
      return MissingKeyStrategy.sharedBucket("anonymous");
    }

    @Bean
    PartnerClient partnerClient() {
      return new PartnerClient();
    }

    @Bean
    ReportService reportService() {
      return new ReportService();
    }

    @Bean
    Handler<String> stringHandler() {
      return new StringHandler();
    }

    @Bean
    TenantService tenantService() {
      return new TenantService();
    }

    @Bean
    FragileService fragileService() {
      return new FragileService();
    }
  }

  private AnnotationConfigApplicationContext context() {
    TICKER.advance(Duration.ofHours(1));
    SEEN.clear();
    return new AnnotationConfigApplicationContext(Config.class);
  }

  @Test
  void aServiceThrottlesItsOutboundCalls() {
    try (AnnotationConfigApplicationContext context = context()) {
      PartnerClient client = context.getBean(PartnerClient.class);
      assertThat(AopUtils.isAopProxy(client)).isTrue();
      for (int i = 0; i < 3; i++) {
        assertThat(client.fetch("x" + i)).isEqualTo("partner:x" + i);
      }
      assertThatThrownBy(() -> client.fetch("y")).isInstanceOfSatisfying(RateLimitExceededException.class,
          e -> assertThat(e.decision().policy().name()).isEqualTo("partner-api"));
      assertThat(SEEN).extracting(Decision::outcome).containsExactly(Decision.Outcome.ALLOWED,
          Decision.Outcome.ALLOWED, Decision.Outcome.ALLOWED, Decision.Outcome.REJECTED);
      assertThat(context.getBean(RateLimitAspectSupport.class).registry().names()).contains("partner-api", "closed", "open");
    }
  }

  @Test
  void classLevelLimitIsSharedByAllPublicMethodsAndMethodLevelRefinesIt() {
    try (AnnotationConfigApplicationContext context = context()) {
      ReportService reports = context.getBean(ReportService.class);
      assertThat(reports.expensive()).isEqualTo("expensive"); // class 1/4, method 1/1
      assertThatThrownBy(reports::expensive).isInstanceOfSatisfying(RateLimitExceededException.class,
          e -> assertThat(e.decision().policy().name()).isEqualTo("RateLimitContextTest.ReportService.expensive"));
      assertThat(reports.heavy()).isEqualTo("heavy"); // replaces the class-level policy with cost 2: class 3/4
      assertThat(reports.daily()).isEqualTo("daily"); // class 4/4
      assertThatThrownBy(reports::daily).isInstanceOfSatisfying(RateLimitExceededException.class,
          e -> assertThat(e.decision().policy().name()).isEqualTo("RateLimitContextTest.ReportService"));
      assertThat(reports.packagePrivate()).isEqualTo("not limited");
      assertThat(reports.toString()).isNotNull();
    }
  }

  @Test
  void annotationsOnGenericInterfaceMethodsApplyToTheImplementation() {
    try (AnnotationConfigApplicationContext context = context()) {
      @SuppressWarnings("unchecked")
      Handler<String> handler = context.getBean(Handler.class);
      assertThat(handler.handle("a")).isEqualTo("handled:a");
      assertThat(handler.handle("a")).isEqualTo("handled:a");
      assertThat(handler.handle("b")).isEqualTo("handled:b");
      assertThatThrownBy(() -> handler.handle("a")).isInstanceOfSatisfying(RateLimitExceededException.class,
          e -> assertThat(e.decision().policy().name()).isEqualTo("RateLimitContextTest.Handler.handle"));
    }
  }

  @Test
  void configurerKeyResolverAndMissingKeyStrategy() {
    try (AnnotationConfigApplicationContext context = context()) {
      TenantService service = context.getBean(TenantService.class);
      TENANT.set("acme");
      assertThat(service.call()).isEqualTo("ok");
      assertThatThrownBy(service::call).isInstanceOf(RateLimitExceededException.class);
      TENANT.set("globex");
      assertThat(service.call()).isEqualTo("ok");
      TENANT.remove();
      assertThat(service.call()).isEqualTo("ok"); // no tenant: the shared "anonymous" bucket
      assertThatThrownBy(service::call).isInstanceOf(RateLimitExceededException.class);
    }
  }

  @Test
  void whenTheStoreThrowsEachPolicysFailureModeDecides() {
    try (AnnotationConfigApplicationContext context = context()) {
      FragileService service = context.getBean(FragileService.class);
      store.failing(true);
      assertThat(service.open()).isEqualTo("open");
      assertThatThrownBy(service::closed).isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
        assertThat(e.decision().degraded()).isTrue();
        assertThat(e.decision().retryAfter()).isEqualTo(Duration.ofSeconds(5));
      });
      assertThat(SEEN).extracting(Decision::degraded).containsExactly(true, true);
    }
  }
}
