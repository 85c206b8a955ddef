package io.limiter.spring.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limiter.annotation.RateLimit;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * {@code @RateLimit("2 concurrent")} on Spring MVC handlers over real HTTP (Tomcat on a random port): the permit is
 * returned when the call ends — a {@link StreamingResponseBody} when its body is written, a
 * {@link CompletableFuture} when it completes, a handler that throws when it throws — and the 429 carries the draft's
 * fields in the {@code concurrent-requests} unit.
 */
@SpringBootTest(classes = ConcurrencyServerIT.App.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ConcurrencyServerIT {

  /** The application: three handlers capped by calls in flight. */
  @SpringBootApplication
  static class App {

    /** The test's hands on the calls in flight (a bean of its own: the handlers are a proxy). */
    @org.springframework.stereotype.Component
    static class Calls {
      final ConcurrentLinkedQueue<CountDownLatch> streams = new ConcurrentLinkedQueue<>();
      final ConcurrentLinkedQueue<CompletableFuture<String>> futures = new ConcurrentLinkedQueue<>();
    }

    /** The handlers. */
    @RestController
    static class Handlers {
      private final ConcurrentLinkedQueue<CountDownLatch> streams;
      private final ConcurrentLinkedQueue<CompletableFuture<String>> futures;

      Handlers(Calls calls) {
        this.streams = calls.streams;
        this.futures = calls.futures;
      }

      @GetMapping("/stream")
      @RateLimit(value = "2 concurrent", name = "stream", key = "global")
      public StreamingResponseBody stream() {
        CountDownLatch done = new CountDownLatch(1);
        streams.add(done);
        return out -> {
          out.write("first ".getBytes(StandardCharsets.UTF_8));
          out.flush();
          try {
            done.await(2, TimeUnit.MINUTES);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          out.write("last".getBytes(StandardCharsets.UTF_8));
        };
      }

      @GetMapping("/future")
      @RateLimit(value = "1 concurrent", name = "future", key = "global")
      public CompletableFuture<String> future() {
        CompletableFuture<String> answer = new CompletableFuture<>();
        futures.add(answer);
        return answer;
      }

      @GetMapping("/fails")
      @RateLimit(value = "1 concurrent", name = "fails", key = "global")
      public String fails() {
        throw new IllegalStateException("the call failed");
      }
    }
  }

  @LocalServerPort
  int port;

  @Autowired
  App.Calls handlers;

  private final HttpClient http = HttpClient.newHttpClient();

  private CompletableFuture<HttpResponse<String>> start(String path) {
    return http.sendAsync(HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
        .timeout(Duration.ofMinutes(2)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(String path) throws Exception {
    return start(path).get(2, TimeUnit.MINUTES);
  }

  @Test
  void aStreamedBodyHoldsItsPermitUntilItIsWritten() throws Exception {
    CompletableFuture<HttpResponse<String>> a = start("/stream");
    CompletableFuture<HttpResponse<String>> b = start("/stream");
    await().atMost(Duration.ofMinutes(1)).until(() -> handlers.streams.size() == 2);
    HttpResponse<String> third = get("/stream");
    assertThat(third.statusCode()).isEqualTo(429);
    assertThat(third.headers().firstValue("RateLimit-Policy")).hasValue("\"stream\";q=2;qu=\"concurrent-requests\"");
    assertThat(third.headers().firstValue("RateLimit")).hasValue("\"stream\";r=0");
    assertThat(third.headers().firstValue("Retry-After")).hasValue("1");

    handlers.streams.remove().countDown();
    CompletableFuture.anyOf(a, b).get(1, TimeUnit.MINUTES);
    CompletableFuture<HttpResponse<String>> c = start("/stream"); // the ended stream's permit is back
    await().atMost(Duration.ofMinutes(1)).until(() -> handlers.streams.size() == 2);
    assertThat(get("/stream").statusCode()).as("two in flight again").isEqualTo(429);
    while (!handlers.streams.isEmpty()) {
      handlers.streams.remove().countDown();
    }
    for (CompletableFuture<HttpResponse<String>> call : java.util.List.of(a, b, c)) {
      HttpResponse<String> done = call.get(1, TimeUnit.MINUTES);
      assertThat(done.statusCode()).isEqualTo(200);
      assertThat(done.body()).isEqualTo("first last");
    }
  }

  @Test
  void aFutureHoldsItsPermitUntilItCompletesAndAFailureReturnsIt() throws Exception {
    CompletableFuture<HttpResponse<String>> first = start("/future");
    await().atMost(Duration.ofMinutes(1)).until(() -> handlers.futures.size() == 1);
    assertThat(get("/future").statusCode()).isEqualTo(429);
    handlers.futures.remove().complete("done");
    assertThat(first.get(1, TimeUnit.MINUTES).body()).isEqualTo("done");
    CompletableFuture<HttpResponse<String>> second = start("/future");
    await().atMost(Duration.ofMinutes(1)).until(() -> handlers.futures.size() == 1);
    handlers.futures.remove().completeExceptionally(new IllegalStateException("the model failed"));
    assertThat(second.get(1, TimeUnit.MINUTES).statusCode()).isEqualTo(500);
    CompletableFuture<HttpResponse<String>> third = start("/future");
    await().atMost(Duration.ofMinutes(1)).until(() -> handlers.futures.size() == 1);
    handlers.futures.remove().complete("again");
    assertThat(third.get(1, TimeUnit.MINUTES).body()).isEqualTo("again");

    for (int i = 0; i < 3; i++) {
      assertThat(get("/fails").statusCode()).as("a failed call returned its permit").isEqualTo(500);
    }
  }
}
