package io.limiter.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** Charge on outcome over real HTTP: {@code POST /login} counts only failed attempts (see {@link LoginController}). */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = "limiter.client-ip.trusted-proxies=127.0.0.1")
class LoginIT {

  @LocalServerPort
  int port;

  private final HttpClient http = HttpClient.newHttpClient();

  private int login(String client, String username, String password) throws Exception {
    String form = "username=" + URLEncoder.encode(username, StandardCharsets.UTF_8) + "&password="
        + URLEncoder.encode(password, StandardCharsets.UTF_8);
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/login"))
        .header("X-Forwarded-For", client).header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void successfulLoginsCostNothingAndFailedOnesAreLimitedPerUsername() throws Exception {
    for (int i = 0; i < 12; i++) {
      assertThat(login("192.0.2.1", "alice", "wonderland")).as("successful login %d", i).isEqualTo(200);
    }
    for (int i = 0; i < 5; i++) {
      assertThat(login("192.0.2.1", "alice", "guess" + i)).as("failed attempt %d", i).isEqualTo(401);
    }
    // 5/minute refills one every 12 s: a very slow machine may have earned one more meanwhile
    int status = login("192.0.2.1", "alice", "guess5");
    if (status == 401) {
      status = login("192.0.2.1", "alice", "guess6");
    }
    assertThat(status).as("the sixth failed attempt a minute").isEqualTo(429);
    assertThat(login("192.0.2.1", "alice", "wonderland")).as("the username is locked for now, even for the right "
        + "password").isEqualTo(429);
    assertThat(login("192.0.2.1", "bob", "x")).as("another username from the same IP").isEqualTo(401);
  }

  @Test
  void failedAttemptsOnManyUsernamesAreLimitedPerIpAndARejectionCostsTheUsernameNothing() throws Exception {
    int failed = 0;
    for (int i = 0; i < 20; i++) {
      failed += login("192.0.2.2", "user" + i, "x") == 401 ? 1 : 0;
    }
    assertThat(failed).isEqualTo(20);
    assertThat(login("192.0.2.2", "carol", "x")).as("the IP's 21st failed attempt a minute").isEqualTo(429);
    // the rejected attempt took nothing from carol's username budget: five failures are still allowed elsewhere
    for (int i = 0; i < 5; i++) {
      assertThat(login("192.0.2.3", "carol", "x" + i)).as("carol from another IP, attempt %d", i).isEqualTo(401);
    }
  }
}
