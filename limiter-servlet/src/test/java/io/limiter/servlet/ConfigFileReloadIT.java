package io.limiter.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The filter's {@code config-file} rewritten while a real Jetty serves a steady load: each rewrite is checked as at
 * startup and applied by swapping the policy (or refused whole), and every client is admitted exactly what a token
 * bucket model says, whenever the swap lands among its requests. The periods are a day and an hour, so the seconds the
 * test takes refill nothing (a token every 72 and 3 minutes).
 */
class ConfigFileReloadIT {

  private static final String CONFIG = """
      rule.api.paths = /api/*
      rule.api.limits = %s
      rule.api.key = header:X-Client
      """;
  private static final int THREADS = 8;

  @TempDir
  Path dir;

  private Path file;

  /** Writes the file elsewhere and renames it over the old one, as docs/servlet.md advises. */
  private void write(String limits) throws Exception {
    Path next = dir.resolve("next.properties");
    Files.writeString(next, CONFIG.formatted(limits), StandardCharsets.UTF_8);
    Files.move(next, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** {@code THREADS} threads send {@code each} requests at once for one client; returns how many were admitted. */
  private static int burst(JettyApp app, String client, int each) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < THREADS; t++) {
        results.add(pool.submit(() -> {
          start.await();
          int ok = 0;
          for (int i = 0; i < each; i++) {
            HttpResponse<String> r = app.get("/api/x", "X-Client", client);
            assertThat(r.statusCode()).isIn(200, 429);
            ok += r.statusCode() == 200 ? 1 : 0;
          }
          return ok;
        }));
      }
      start.countDown();
      int admitted = 0;
      for (Future<Integer> f : results) {
        admitted += f.get(2, TimeUnit.MINUTES);
      }
      return admitted;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void rewritesUnderLoadSwapThePolicyAndEveryClientGetsExactlyTheModelsCount() throws Exception {
    file = dir.resolve("limits.properties");
    write("10/day");
    RateLimitFilter filter = new RateLimitFilter();
    AtomicBoolean loading = new AtomicBoolean(true);
    AtomicInteger loadAdmitted = new AtomicInteger();
    AtomicInteger loadOther = new AtomicInteger();
    try (JettyApp app = JettyApp.builder().filter(filter)
        .param("config-file", "file:" + file)
        .param("config-file.reload-interval", "100ms")
        .servlet("api", new TestServlets.Counting(), "/*").start()) {
      // the load: one client hammering from four threads through every rewrite
      ExecutorService load = Executors.newFixedThreadPool(4);
      for (int t = 0; t < 4; t++) {
        load.submit(() -> {
          while (loading.get()) {
            int status = app.get("/api/x", "X-Client", "load").statusCode();
            if (status == 200) {
              loadAdmitted.incrementAndGet();
            } else if (status != 429) {
              loadOther.incrementAndGet();
            }
          }
          return null;
        });
      }
      assertThat(burst(app, "b", 2)).as("16 requests at once under 10/day").isEqualTo(10);
      for (int i = 0; i < 4; i++) {
        assertThat(app.get("/api/x", "X-Client", "d").statusCode()).isEqualTo(200);
      }
      await().atMost(Duration.ofMinutes(1)).until(() -> loadAdmitted.get() == 10);

      // raised, same shape: each client keeps the part of its day it used
      write("20/day");
      await().atMost(Duration.ofMinutes(1)).until(() -> filter.configReloads().orElseThrow().applied() == 1);
      assertThat(filter.configReloads().orElseThrow().last().changes()).singleElement()
          .satisfies(c -> assertThat(c.stateKept()).isTrue());
      assertThat(app.get("/api/x", "X-Client", "h").headers().firstValue("RateLimit-Policy"))
          .as("the fields show the new quota").hasValue("\"api\";q=20;w=86400");
      assertThat(burst(app, "c", 5)).as("a new client: 20/day").isEqualTo(20);
      assertThat(burst(app, "b", 5)).as("b used 10 of 10: drained, and stays drained").isZero();
      assertThat(burst(app, "d", 5)).as("d used 4 of 10 (40%): 60% of 20 left").isEqualTo(12);

      // another shape: every client starts fresh
      write("20/hour");
      await().atMost(Duration.ofMinutes(1)).until(() -> filter.configReloads().orElseThrow().applied() == 2);
      assertThat(filter.configReloads().orElseThrow().last().changes()).singleElement()
          .satisfies(c -> assertThat(c.stateKept()).isFalse());
      assertThat(burst(app, "b", 5)).as("fresh under 20/hour").isEqualTo(20);
      assertThat(burst(app, "d", 5)).isEqualTo(20);
      await().atMost(Duration.ofMinutes(1)).until(() -> loadAdmitted.get() == 30);

      // an invalid rewrite: refused whole, the running limits untouched
      write("20/fortnight");
      await().atMost(Duration.ofMinutes(1)).until(() -> filter.configReloads().orElseThrow().refused() == 1);
      assertThat(filter.configReloads().orElseThrow().last().problems()).singleElement().asString()
          .startsWith("property in file:" + file + ": rule.api.limits=\"20/fortnight\"");
      assertThat(burst(app, "e", 5)).as("still 20/hour").isEqualTo(20);
      loading.set(false);
      load.shutdown();
      assertThat(load.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
    } finally {
      loading.set(false);
    }
    assertThat(loadOther.get()).as("every answer was 200 or 429").isZero();
    assertThat(loadAdmitted.get()).as("10 under 10/day, none after the raise (drained), 20 after the reset")
        .isEqualTo(30);
  }
}
