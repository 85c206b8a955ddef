package io.limiter.spring.aop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.annotation.RateLimit;
import io.limiter.core.KeyKind;
import io.limiter.core.LimitPolicy;
import io.limiter.core.MissingKeyStrategy;
import io.limiter.core.RateLimitExceededException;
import io.limiter.core.RateLimitStore;
import io.limiter.core.RateLimiter;
import io.limiter.spring.EnableRateLimiting;
import io.limiter.spring.KeyResolverRegistry;
import io.limiter.spring.RateLimitingConfigurer;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Key forgery through the aspect: methods with keys of different kinds share one policy (one key space); a value a
 * client controls (an argument, a header, a tenant) crafted to equal another kind's stored key, or a reserved key,
 * never shares its state.
 */
class KeyForgerySpringTest {

  static final ThreadLocal<String> TENANT = new ThreadLocal<>();

  /** Every method is limited by the policy {@code api}, 2 calls an hour per key. */
  public static class Api {
    @RateLimit(name = "api", key = "ip")
    public String byIp() {
      return "ok";
    }

    @RateLimit(name = "api", key = "header:X-API-Key")
    public String byHeader() {
      return "ok";
    }

    @RateLimit(name = "api", key = "#key")
    public String bySpel(String key) {
      return "ok";
    }

    @RateLimit(name = "api", key = "tenant")
    public String byTenant() {
      return "ok";
    }

    @RateLimit(name = "api", key = "header:X-API-Key, ip")
    public String byKeyAndIp() {
      return "ok";
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting(proxyTargetClass = true)
  static class Config implements RateLimitingConfigurer {
    @Override
    public RateLimitStore store() {
      return RateLimitStore.inMemory();
    }

    @Override
    public void addPolicies(List<LimitPolicy> policies) {
      policies.add(LimitPolicy.of("api", "2/hour"));
    }

    @Override
    public void addKeyResolvers(KeyResolverRegistry resolvers) {
      resolvers.register("tenant", invocation -> TENANT.get());
    }

    @Override
    public MissingKeyStrategy missingKeyStrategy() {
      return MissingKeyStrategy.sharedBucket("anon");
    }

    @Bean
    Api api() {
      return new Api();
    }
  }

  private AnnotationConfigApplicationContext context;
  private Api api;
  private MockHttpServletRequest request;

  @BeforeEach
  void start() {
    context = new AnnotationConfigApplicationContext(Config.class);
    api = context.getBean(Api.class);
    request = new MockHttpServletRequest();
    request.setRemoteAddr("203.0.113.7");
    RequestContextHolder.setRequestAttributes(new ServletRequestAttributes(request));
  }

  @AfterEach
  void stop() {
    RequestContextHolder.resetRequestAttributes();
    TENANT.remove();
    context.close();
  }

  private static void exhaust(Supplier<String> call) {
    assertThat(call.get()).isEqualTo("ok");
    assertThat(call.get()).isEqualTo("ok");
    assertThatThrownBy(call::get).isInstanceOf(RateLimitExceededException.class);
  }

  /** Every client-controlled place, carrying {@code value}, is admitted: none shares the exhausted bucket. */
  private void assertEveryKindIsFresh(String value) {
    assertThat(api.bySpel(value)).as("SpEL %s", value).isEqualTo("ok");
    TENANT.set(value);
    assertThat(api.byTenant()).as("tenant %s", value).isEqualTo("ok");
    TENANT.remove();
    request.addHeader("X-API-Key", value);
    assertThat(api.byHeader()).as("header %s", value).isEqualTo("ok");
    request.removeHeader("X-API-Key");
  }

  @Test
  void noValueOfAnotherKindDrainsAnIpsBucket() {
    exhaust(api::byIp);
    for (String forged : List.of("203.0.113.7", "ip:203.0.113.7", "\\ip:203.0.113.7")) {
      assertEveryKindIsFresh(forged);
    }
    assertThatThrownBy(api::byIp).isInstanceOf(RateLimitExceededException.class);
  }

  @Test
  void noClientValueLandsInTheSharedMissingKeyBucket() {
    exhaust(api::byHeader); // no header: the shared bucket "anon"
    for (String forged : List.of("missing:anon", "!missing:anon", "\\!missing:anon", "anon")) {
      assertEveryKindIsFresh(forged);
    }
    assertThatThrownBy(api::byTenant).as("no tenant: the same shared bucket")
        .isInstanceOf(RateLimitExceededException.class);
  }

  @Test
  void noClientValueEqualsAHashedLongKey() {
    String longKey = "L".repeat(5000);
    exhaust(() -> api.bySpel(longKey));
    String hashed = RateLimiter.of(LimitPolicy.of("api", "2/hour"), RateLimitStore.inMemory())
        .forKey(KeyKind.EXPRESSION.key(longKey)).key();
    assertThat(hashed).startsWith("!sha256:");
    for (String forged : List.of(hashed, hashed.substring(1), "s:" + hashed)) {
      assertEveryKindIsFresh(forged);
    }
  }

  @Test
  void spelHeaderTenantAndCompositeKeysAreApart() {
    exhaust(() -> api.bySpel("k1"));
    assertThat(api.bySpel("s:k1")).isEqualTo("ok");
    TENANT.set("k1");
    exhaust(api::byTenant);
    TENANT.remove();
    request.addHeader("X-API-Key", "k1");
    exhaust(api::byHeader);
    exhaust(api::byKeyAndIp);
    request.removeHeader("X-API-Key");
    for (String forged : List.of("s:k1", "r:tenant:k1", "h:x-api-key:k1", "k1|ip:203.0.113.7",
        "c:h:x-api-key:k1|ip:203.0.113.7")) {
      assertThat(api.bySpel(forged)).as(forged).isEqualTo("ok");
    }
  }
}
