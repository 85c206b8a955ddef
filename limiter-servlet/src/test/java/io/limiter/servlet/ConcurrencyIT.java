package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.limiter.annotation.RateLimit;
import io.limiter.web.RateLimitRule;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Concurrency limits over real HTTP: a permit is taken when a request starts and returned when its response is
 * complete — a streamed async response when it ends, a failing request when it fails — and the 429 of a request over
 * the limit carries the draft's fields in the {@code concurrent-requests} unit.
 */
class ConcurrencyIT {

  /** Starts async processing and parks the request until the test streams its body and completes it. */
  static final class Streaming extends HttpServlet {
    private static final long serialVersionUID = 1L;
    final transient ConcurrentLinkedQueue<AsyncContext> open = new ConcurrentLinkedQueue<>();

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      resp.setContentType("text/plain");
      resp.getWriter().print("first chunk ");
      resp.flushBuffer(); // the response is committed and streaming: the permit must still be held
      AsyncContext async = req.startAsync();
      async.setTimeout(0);
      open.add(async);
    }

    /** Writes the rest of the oldest open response and completes it. */
    void finishOne() throws IOException {
      AsyncContext async = open.remove();
      async.getResponse().getWriter().print("last chunk");
      async.complete();
    }
  }

  /** Throws after the filter let it in. */
  @RateLimit(value = "1 concurrent", name = "throws", key = "global")
  static final class Throwing extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      throw new IllegalStateException("the call failed");
    }
  }

  private static CompletableFuture<HttpResponse<String>> start(EmbeddedApp app, String path) {
    return app.client.sendAsync(HttpRequest.newBuilder(app.uri(path)).timeout(Duration.ofMinutes(2)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aStreamedResponseHoldsItsPermitUntilItsBodyEnds() throws Exception {
    RateLimitFilter filter = RateLimitFilter.builder()
        .rule(RateLimitRule.builder("chat").paths("/chat/*").limits("2 concurrent").key("global").build())
        .build();
    Streaming chat = new Streaming();
    try (JettyApp app = JettyApp.builder().filter(filter).servlet("chat", chat, "/chat/*").start()) {
      List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
      calls.add(start(app, "/chat/a"));
      calls.add(start(app, "/chat/b"));
      await().atMost(Duration.ofMinutes(1)).until(() -> chat.open.size() == 2);

      HttpResponse<String> third = app.get("/chat/c");
      assertThat(third.statusCode()).isEqualTo(429);
      Map<String, List<String>> headers = third.headers().map();
      assertThat(headers.get("RateLimit-Policy")).containsExactly("\"chat\";q=2;qu=\"concurrent-requests\"");
      assertThat(headers.get("RateLimit")).containsExactly("\"chat\";r=0");
      assertThat(headers.get("Retry-After")).containsExactly("1");

      chat.finishOne(); // one stream ends (whichever arrived first): its permit comes back
      @SuppressWarnings("unchecked")
      HttpResponse<String> first = (HttpResponse<String>) CompletableFuture.anyOf(calls.get(0), calls.get(1))
          .get(1, TimeUnit.MINUTES);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.body()).isEqualTo("first chunk last chunk");
      assertThat(first.headers().firstValue("RateLimit")).as("as admitted: first or second in flight")
          .hasValueSatisfying(v -> assertThat(v).isIn("\"chat\";r=1", "\"chat\";r=0"));
      calls.add(start(app, "/chat/d"));
      await().atMost(Duration.ofMinutes(1)).until(() -> chat.open.size() == 2);
      assertThat(app.get("/chat/e").statusCode()).as("two in flight again").isEqualTo(429);

      chat.finishOne();
      chat.finishOne();
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        assertThat(call.get(1, TimeUnit.MINUTES).statusCode()).isEqualTo(200);
      }
      // all three streams ended: both permits are back, and no more than both
      calls.clear();
      calls.add(start(app, "/chat/f"));
      calls.add(start(app, "/chat/g"));
      await().atMost(Duration.ofMinutes(1)).until(() -> chat.open.size() == 2);
      assertThat(app.get("/chat/h").statusCode()).isEqualTo(429);
      chat.finishOne();
      chat.finishOne();
      for (CompletableFuture<HttpResponse<String>> call : calls) {
        assertThat(call.get(1, TimeUnit.MINUTES).statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void aFailingRequestReturnsItsPermit() throws Exception {
    try (JettyApp app = JettyApp.builder().filter(new RateLimitFilter())
        .servlet("throws", new Throwing(), "/throws/*").start()) {
      for (int i = 0; i < 5; i++) {
        HttpResponse<String> failed = app.get("/throws/x");
        assertThat(failed.statusCode()).as("call %d runs: the failed one before it returned its permit", i)
            .isEqualTo(500);
      }
    }
  }
}
