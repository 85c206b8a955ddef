package io.limiter.redis;

import io.limiter.core.Decision;
import io.limiter.core.RateLimiter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many threads behind a start latch asking several limiters (one per application instance) for one key at once;
 * every third thread uses the async path. Counts admissions served by Redis and degraded decisions.
 */
final class Hammer implements AutoCloseable {

  private final ExecutorService pool;
  private final int threadsPerLimiter;

  Hammer(int threadsPerLimiter, int limiters) {
    this.threadsPerLimiter = threadsPerLimiter;
    this.pool = Executors.newFixedThreadPool(threadsPerLimiter * limiters);
  }

  /** The outcome of one round. */
  record Result(int admitted, int degraded) {
  }

  Result round(List<RateLimiter> limiters, String key, int attemptsPerThread) throws Exception {
    CountDownLatch start = new CountDownLatch(1);
    AtomicInteger admitted = new AtomicInteger();
    AtomicInteger degraded = new AtomicInteger();
    List<Future<?>> futures = new ArrayList<>();
    for (int t = 0; t < threadsPerLimiter * limiters.size(); t++) {
      RateLimiter limiter = limiters.get(t % limiters.size());
      boolean async = t % 3 == 0;
      futures.add(pool.submit(() -> {
        start.await();
        for (int i = 0; i < attemptsPerThread; i++) {
          Decision d = async ? limiter.acquireAsync(key, 1).toCompletableFuture().get(30, TimeUnit.SECONDS)
              : limiter.acquire(key);
          if (d.degraded()) {
            degraded.incrementAndGet();
          } else if (d.allowed()) {
            admitted.incrementAndGet();
          }
        }
        return null;
      }));
    }
    start.countDown();
    for (Future<?> f : futures) {
      f.get(60, TimeUnit.SECONDS);
    }
    return new Result(admitted.get(), degraded.get());
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
