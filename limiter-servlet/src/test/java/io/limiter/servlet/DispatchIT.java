package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Each limit is charged once per request across REQUEST, FORWARD, INCLUDE, ASYNC and ERROR dispatches. */
class DispatchIT {

  @Test
  void forwardWithinALimitedPathIsCountedOnce() throws Exception {
    TestServlets.Counting target = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "4/hour")
        .servlet("forward", new TestServlets.Forwarding(), "/api/forward")
        .servlet("target", target, "/api/target").start()) {
      for (int i = 0; i < 4; i++) {
        assertThat(app.get("/api/forward?to=/api/target").statusCode()).isEqualTo(200);
      }
      assertThat(app.get("/api/forward?to=/api/target").statusCode()).isEqualTo(429);
      assertThat(target.calls).hasValue(4);
    }
  }

  @Test
  void forwardFromAnUnlimitedPathIntoALimitedOneIsCounted() throws Exception {
    TestServlets.Counting target = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "2/hour")
        .servlet("forward", new TestServlets.Forwarding(), "/public/forward")
        .servlet("target", target, "/api/target").start()) {
      assertThat(app.get("/public/forward?to=/api/target").statusCode()).isEqualTo(200);
      assertThat(app.get("/api/target").statusCode()).isEqualTo(200);
      assertThat(app.get("/public/forward?to=/api/target").statusCode()).isEqualTo(429);
      assertThat(target.calls).hasValue(2);
    }
  }

  @Test
  void includeIsCountedOnce() throws Exception {
    TestServlets.Counting target = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.api.paths", "/api/*").param("rule.api.limits", "3/hour")
        .servlet("include", new TestServlets.Including(), "/api/include")
        .servlet("target", target, "/api/part").start()) {
      for (int i = 0; i < 3; i++) {
        assertThat(app.get("/api/include?to=/api/part").statusCode()).isEqualTo(200);
      }
      assertThat(app.get("/api/include?to=/api/part").statusCode()).isEqualTo(429);
      assertThat(target.calls).hasValue(3);
    }
  }

  @Test
  void errorDispatchToALimitedErrorPageIsCountedOnce() throws Exception {
    TestServlets.Failing failing = new TestServlets.Failing();
    TestServlets.Counting errorPage = new TestServlets.Counting();
    try (JettyApp app = JettyApp.builder()
        .param("rule.all.paths", "/**").param("rule.all.limits", "3/hour")
        .servlet("failing", failing, "/fail")
        .servlet("error", errorPage, "/error")
        .errorPage(500, "/error").start()) {
      for (int i = 0; i < 3; i++) {
        assertThat(app.get("/fail").statusCode()).isEqualTo(500);
      }
      assertThat(app.get("/fail").statusCode()).as("4th request: the limit of 3 was charged once per request")
          .isEqualTo(429);
      assertThat(failing.calls).hasValue(3);
      assertThat(errorPage.calls).as("the error page ran for each failed request").hasValue(3);
    }
  }

  @Test
  void asyncRedispatchIsCountedOnce() throws Exception {
    TestServlets.Async async = new TestServlets.Async();
    try (JettyApp app = JettyApp.builder()
        .param("rule.async.paths", "/async").param("rule.async.limits", "2/hour")
        .servlet("async", async, "/async").start()) {
      assertThat(app.get("/async").statusCode()).isEqualTo(200);
      assertThat(app.get("/async").statusCode()).isEqualTo(200);
      assertThat(app.get("/async").statusCode()).isEqualTo(429);
      assertThat(async.calls).hasValue(2);
    }
  }
}
