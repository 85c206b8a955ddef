package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import io.limiter.core.step.StepController;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * An asynchronous request whose timeout the application handles (a long poll that answers "no news" when its wait
 * ends) is no server failure: the health feed judges it by the response the application completed it with, over
 * real HTTP on Jetty. Before, every such timeout counted as failed, so ordinary long-poll traffic drove the error ratio
 * to 100% and the level down.
 */
class AsyncTimeoutHealthIT {

  /** Waits 50 ms for news that never comes, then answers 204 from its own timeout listener. */
  static final class LongPoll extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      AsyncContext async = req.startAsync();
      async.setTimeout(50);
      async.addListener(new AsyncListener() {
        @Override
        public void onTimeout(AsyncEvent event) {
          ((HttpServletResponse) event.getSuppliedResponse()).setStatus(HttpServletResponse.SC_NO_CONTENT);
          event.getAsyncContext().complete();
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
      });
    }
  }

  /** Starts waiting and never answers: the container ends it with its own error. */
  static final class Forgotten extends HttpServlet {
    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
      req.startAsync().setTimeout(50);
    }
  }

  @Test
  void aLongPollTimeoutTheApplicationAnswersIsNoFailure() throws Exception {
    assertThat(errorRatioAfter20(new LongPoll(), 204)).contains("error ratio 0% (0 of 20 calls)");
  }

  @Test
  void aTimeoutNobodyAnswersIsStillAFailure() throws Exception {
    assertThat(errorRatioAfter20(new Forgotten(), 500)).contains("error ratio 100% (20 of 20 calls)");
  }

  private static String errorRatioAfter20(HttpServlet servlet, int status) throws Exception {
    RateLimitFilter filter = new RateLimitFilter();
    try (JettyApp app = JettyApp.builder().filter(filter)
        .param("adaptive.api", "latency=p95 10s; error-ratio=5%; min-samples=20; down-after=1; cooldown=0; "
            + "interval=1h; in-flight=10000; ignored-keys=0")
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "100000/hour").param("rule.api.key", "ip")
        .param("rule.api.adaptive", "api")
        .servlet("poll", servlet, "/api/poll").start()) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
      for (int i = 0; i < 20; i++) {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(app.uri("/api/poll"))
            .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(status);
      }
      StepController c = filter.stepControllers().controller("api");
      org.awaitility.Awaitility.await("every call finished").atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(10)).until(() -> c.inFlight() == 0);
      c.tick();
      return c.lastHealth().detail();
    }
  }
}
