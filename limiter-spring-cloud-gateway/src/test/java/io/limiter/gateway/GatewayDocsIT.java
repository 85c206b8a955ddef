package io.limiter.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.RateLimitStore;
import io.limiter.docs.DocBlock;
import io.limiter.docs.Transcript;
import io.limiter.test.ManualTicker;
import io.limiter.test.NonBlocking;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.config.YamlPropertiesFactoryBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.ByteArrayResource;

/** docs/gateway.md: a gateway started from the page's route block answers what the page's transcript shows. */
@ExtendWith(NonBlocking.class)
class GatewayDocsIT {

  @Test
  void theRouteOfThePageAnswersItsTranscript() {
    String yaml = DocBlock.of("docs/gateway.md#route").body();
    assertThat(yaml).contains("uri: http://localhost:8081");
    Transcript.HttpResponse documented = Transcript.http(DocBlock.of("docs/gateway.md#transcript"));
    try (Backend backend = Backend.start()) {
      YamlPropertiesFactoryBean factory = new YamlPropertiesFactoryBean();
      factory.setResources(new ByteArrayResource(
          yaml.replace("http://localhost:8081", backend.uri()).getBytes(StandardCharsets.UTF_8)));
      Properties properties = factory.getObject();
      Map<String, Object> map = new LinkedHashMap<>();
      properties.forEach((k, v) -> map.put(k.toString(), v));
      try (Gateway gateway = Gateway.start(map, StoppedClock.class)) {
        assertThat(gateway.admitted("/orders/1", "demo", 10)).isEqualTo(10);
        HttpResponse<String> refused = gateway.get("/orders/1", "demo");
        assertThat(refused.statusCode()).isEqualTo(documented.status());
        documented.headers().forEach((name, value) ->
            assertThat(refused.headers().firstValue(name)).as(name).hasValue(value));
        assertThat(gateway.get("/orders/1", null).statusCode()).isEqualTo(403);
      }
    }
  }

  @Test
  void thePagesDependencyIsThisModule() {
    assertThat(DocBlock.of("docs/gateway.md#dependency").body())
        .contains("<artifactId>limiter-spring-cloud-gateway</artifactId>");
  }

  /** A store on a clock that does not move, so that the transcript's numbers are exact on any machine. */
  @Configuration(proxyBeanMethods = false)
  static class StoppedClock {
    @Bean
    RateLimitStore rateLimitStore() {
      return RateLimitStore.builder().ticker(new ManualTicker()).buildInMemory();
    }
  }
}
