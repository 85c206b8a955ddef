package io.limiter.servlet.internal;

import io.limiter.core.step.StepController;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Feeds the built-in health signals of step controllers (latency, error ratio, in-flight calls) with an admitted
 * request: {@link StepController#callStarted()} before the chain, {@link StepController#callFinished(long, boolean)}
 * when the response is done. A call fails when the chain throws or the status is 5xx. An asynchronous request is
 * done when its {@link jakarta.servlet.AsyncContext} completes, errs or times out, not when the first dispatch
 * returns.
 */
final class HealthFeed implements AsyncListener {

  private final List<StepController> controllers;
  private final long[] tokens;
  private final HttpServletResponse response;
  private final AtomicBoolean finished = new AtomicBoolean();

  private HealthFeed(List<StepController> controllers, HttpServletResponse response) {
    this.controllers = controllers;
    this.response = response;
    this.tokens = new long[controllers.size()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = controllers.get(i).callStarted();
    }
  }

  static void run(List<StepController> controllers, HttpServletRequest request, HttpServletResponse response,
      FilterChain chain) throws IOException, ServletException {
    HealthFeed feed = new HealthFeed(controllers, response);
    boolean threw = true;
    try {
      chain.doFilter(request, response);
      threw = false;
    } finally {
      if (!threw && request.isAsyncStarted()) {
        request.getAsyncContext().addListener(feed);
      } else {
        feed.finish(threw || response.getStatus() >= 500);
      }
    }
  }

  private void finish(boolean failed) {
    // complete, error and timeout may all fire for one request; count it once
    if (finished.compareAndSet(false, true)) {
      for (int i = 0; i < tokens.length; i++) {
        controllers.get(i).callFinished(tokens[i], failed);
      }
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    finish(response.getStatus() >= 500);
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    finish(true);
  }

  @Override
  public void onError(AsyncEvent event) {
    finish(true);
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // a new async cycle of the same request: this listener must be added again to hear its end
    event.getAsyncContext().addListener(this);
  }
}
