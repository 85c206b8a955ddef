package io.limiter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.step.StepController;
import io.limiter.docs.DocBlock;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.PropertiesPropertySource;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.test.context.ContextConfiguration;

/**
 * docs/spring.md's actuator section over real HTTP: with the page's access properties and its security bean (the
 * region {@code security} below), anyone reads {@code /actuator/ratelimits} and only an operator pins a controller.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "spring.config.name=actuator-security-docs", // not this module's application.properties (a misconfiguration)
    "spring.security.user.name=operator", "spring.security.user.password=secret",
    "spring.security.user.roles=OPERATOR",
    "limiter.policies.search.limits=20/second", "limiter.policies.search.penalty=20/hour -> 10% for 1h"})
@ContextConfiguration(initializers = ActuatorSecurityDocsTest.PageProperties.class)
class ActuatorSecurityDocsTest {

  /** The page's access block, as the application's properties. */
  static class PageProperties implements ApplicationContextInitializer<ConfigurableApplicationContext> {
    @Override
    public void initialize(ConfigurableApplicationContext context) {
      Properties access = new Properties();
      try {
        access.load(new StringReader(DocBlock.of("docs/spring.md#actuator-access").body()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      context.getEnvironment().getPropertySources().addFirst(new PropertiesPropertySource("spring.md", access));
    }
  }

  @Configuration
  @EnableAutoConfiguration
  static class App {

    @Bean
    StepController workHealth() {
      return StepController.builder("work-health").build();
    }

    // tag::security[]
    @Bean
    SecurityFilterChain actuator(HttpSecurity http) throws Exception {
      http.securityMatcher(EndpointRequest.toAnyEndpoint())
          .authorizeHttpRequests(requests -> requests
              .requestMatchers(HttpMethod.GET, "/actuator/ratelimits/**").permitAll()
              .requestMatchers(EndpointRequest.to("health")).permitAll()
              .anyRequest().hasRole("OPERATOR"))
          .httpBasic(Customizer.withDefaults())
          .csrf(csrf -> csrf.ignoringRequestMatchers(EndpointRequest.toAnyEndpoint()));
      return http.build();
    }
    // end::security[]
  }

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(String method, String path, boolean operator) throws Exception {
    return send(method, path, "{\"level\": \"50%\", \"reason\": \"docs\"}", operator);
  }

  private HttpResponse<String> send(String method, String path, String body, boolean operator) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .header("Content-Type", "application/json")
        .method(method, method.equals("POST")
            ? HttpRequest.BodyPublishers.ofString(body)
            : HttpRequest.BodyPublishers.noBody());
    if (operator) {
      request.header("Authorization", "Basic "
          + Base64.getEncoder().encodeToString("operator:secret".getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anyoneReadsAndOnlyAnOperatorWrites() throws Exception {
    assertThat(send("GET", "/actuator/ratelimits", false).statusCode()).isEqualTo(200);
    // health is open to anyone (its status depends on the test machine, e.g. no Redis on 6379: 503)
    assertThat(send("GET", "/actuator/health", false).statusCode()).isIn(200, 503);
    assertThat(send("POST", "/actuator/ratelimits/controllers/work-health", false).statusCode()).isEqualTo(401);
    assertThat(send("POST", "/actuator/ratelimits/controllers/work-health", true).statusCode()).isBetween(200, 204);
    assertThat(send("DELETE", "/actuator/ratelimits/controllers/work-health", false).statusCode()).isEqualTo(401);
    assertThat(send("DELETE", "/actuator/ratelimits/controllers/work-health", true).statusCode()).isBetween(200, 204);
  }

  /** docs/step-throttling.md's list of the endpoint's operations: each, sent as listed by an operator, succeeds. */
  @Test
  void everyOperationTheStepPageListsAnswers() throws Exception {
    Pattern operation = Pattern.compile("^(GET|POST|DELETE)\\s+(\\S+)\\s*(\\{[^}]*\\})?");
    int sent = 0;
    for (String line : DocBlock.of("docs/step-throttling.md#actuator-operations").lines()) {
      Matcher m = operation.matcher(line);
      if (m.find()) {
        HttpResponse<String> response = send(m.group(1), m.group(2), m.group(3) == null ? "" : m.group(3), true);
        assertThat(response.statusCode()).as(line + ": " + response.body()).isBetween(200, 204);
        sent++;
      }
    }
    assertThat(sent).isEqualTo(4);
  }
}
