package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitStore;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Transcript;
import io.limiter.test.ManualTicker;
import io.limiter.test.NonBlocking;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import reactor.core.publisher.Mono;

/**
 * docs/reactive.md: a WebFlux application on Netty configured by the page's properties answers what the page's
 * transcript shows, under the non-blocking harness. (In this module because it reads the page with limiter-docs, which
 * limiter-spring cannot depend on; a WebFlux application with limiter-spring is what it is either way.)
 */
@ExtendWith(NonBlocking.class)
class ReactiveDocsIT {

  /** The page's configuration, as a user writes it in application.yml. */
  static final String YAML = """
      # tag::properties[]
      limiter:
        filter:
          rules:
            - name: api
              paths: /api/**
              limits: 10/minute
              key: header:X-API-Key
        client-ip:
          trusted-proxies: 10.0.0.0/8
      # end::properties[]
      """;

  @Test
  void thePagesRulesAnswerItsTranscript() throws Exception {
    assertThat(DocBlock.of("docs/reactive.md#properties").body()).isEqualTo(
        YAML.lines().filter(l -> !l.contains("tag::") && !l.contains("end::")).map(l -> l + "\n")
            .reduce("", String::concat));
    Transcript.HttpResponse documented = Transcript.http(DocBlock.of("docs/reactive.md#transcript"));
    YamlPropertiesFactoryBean factory = new YamlPropertiesFactoryBean();
    factory.setResources(new ByteArrayResource(YAML.getBytes(StandardCharsets.UTF_8)));
    Properties properties = factory.getObject();
    Map<String, Object> map = new LinkedHashMap<>();
    properties.forEach((k, v) -> map.put(k.toString(), v));
    map.put("server.port", "0");
    map.put("server.address", "127.0.0.1");
    map.put("spring.main.banner-mode", "off");
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class)
        .web(WebApplicationType.REACTIVE).properties(map).run()) {
      String base = "http://127.0.0.1:" + app.getEnvironment().getProperty("local.server.port");
      for (int i = 0; i < 10; i++) {
        assertThat(get(base + "/api/orders", "demo").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> refused = get(base + "/api/orders", "demo");
      assertThat(refused.statusCode()).isEqualTo(documented.status());
      documented.headers().forEach((name, value) ->
          assertThat(refused.headers().firstValue(name)).as(name).hasValue(value));
      assertThat(refused.body().replace(" ", "")).isEqualTo(documented.body().replace(" ", ""));
      HttpResponse<String> anonymous = get(base + "/api/orders", null);
      assertThat(anonymous.statusCode()).isEqualTo(401);
      assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
    }
  }

  @Test
  void thePagesDependenciesAreTheStarterAndWebFlux() {
    assertThat(DocBlock.of("docs/reactive.md#dependency").body())
        .contains("<artifactId>limiter-spring-boot-starter</artifactId>")
        .contains("<artifactId>spring-boot-starter-webflux</artifactId>");
  }

  private static HttpResponse<String> get(String uri, String apiKey) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(60));
    if (apiKey != null) {
      request.header("X-API-Key", apiKey);
    }
    return Gateway.CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A WebFlux application with one handler; its store is on a clock that does not move, so the numbers are exact. */
  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {
    @Bean
    RateLimitStore rateLimitStore() {
      return RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
    }

    @Bean
    Orders orders() {
      return new Orders();
    }
  }

  @RestController
  static class Orders {
    @GetMapping("/api/orders")
    Mono<String> orders() {
      return Mono.just("[]");
    }
  }
}
