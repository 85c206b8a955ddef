package io.limiter.examples.springboot;

import io.limiter.annotation.RateLimit;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Calls the partner API ({@link PartnerApi}), which allows 10 calls a second, from any number of threads: the calls
 * are paced, not refused. {@code maxWait} makes a call that would exceed the rate wait for its slot (callers in the
 * order they arrive, one every 100 ms) instead of failing; only a call whose slot is more than 30 s away is refused
 * with {@code RateLimitExceededException}. {@code burst 1} spaces the calls evenly, so the partner never sees more
 * than 10 in any second. Thread-safe.
 */
@Component
public class PartnerClient {

  private final HttpClient http = HttpClient.newHttpClient();
  private final Environment environment;

  /** @param environment for the port of this application, where the fake partner API runs */
  public PartnerClient(Environment environment) {
    this.environment = environment;
  }

  /**
   * Asks the partner for a quote, waiting for a slot of the partner's rate if needed.
   *
   * @param product the product
   * @return the partner's answer (JSON)
   * @throws InterruptedException if interrupted while waiting for the slot or the answer (the slot is given back)
   */
  // tag::paced-client[]
  @RateLimit(value = "10/second burst 1", name = "partner", key = "global", maxWait = "30s")
  public String quote(String product) throws InterruptedException {
    // end::paced-client[]
    URI uri = URI.create("http://localhost:" + environment.getProperty("local.server.port", "8080")
        + "/partner/quote?product=" + URLEncoder.encode(product, StandardCharsets.UTF_8));
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("the partner answered " + response.statusCode() + ": " + response.body());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
