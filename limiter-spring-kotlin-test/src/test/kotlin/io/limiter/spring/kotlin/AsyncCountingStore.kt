package io.limiter.spring.kotlin

import io.limiter.core.Decision
import io.limiter.core.KeySpace
import io.limiter.core.LimitPolicy
import io.limiter.core.RateLimitStore
import java.util.concurrent.CompletableFuture
import java.util.concurrent.CompletionStage
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.atomic.AtomicInteger

/**
 * A store double over a real store that counts how each decision was asked for: through the blocking `acquire`, or
 * through `acquireAsync`. While [hold] is set, asynchronous decisions stay pending until [release] answers them, so a
 * test can see that a caller suspends on the decision instead of blocking its thread. Thread-safe.
 */
class AsyncCountingStore(private val real: RateLimitStore) : RateLimitStore {
  val blocking = AtomicInteger()
  val async = AtomicInteger()

  @Volatile
  var hold = false
  private val pending = ConcurrentLinkedQueue<() -> Unit>()

  /** @return how many asynchronous decisions wait for [release] */
  fun pendingCount(): Int = pending.size

  /** Answers every held decision, on the calling thread. */
  fun release() {
    while (true) {
      val next = pending.poll() ?: return
      next()
    }
  }

  override fun keySpace(policy: LimitPolicy): KeySpace {
    val space = real.keySpace(policy)
    return object : KeySpace {
      override fun policy(): LimitPolicy = policy

      override fun acquire(key: String, permits: Long): Decision {
        blocking.incrementAndGet()
        return space.acquire(key, permits)
      }

      override fun acquire(key: String, permits: Long, effective: LimitPolicy): Decision {
        blocking.incrementAndGet()
        return space.acquire(key, permits, effective)
      }

      override fun acquireAsync(key: String, permits: Long): CompletionStage<Decision> {
        async.incrementAndGet()
        if (!hold) {
          return space.acquireAsync(key, permits)
        }
        val answer = CompletableFuture<Decision>()
        pending.add { space.acquireAsync(key, permits).whenComplete { d, e -> if (e != null) answer.completeExceptionally(e) else answer.complete(d) } }
        return answer
      }
    }
  }

  override fun trackedKeys(): Long = real.trackedKeys()
}
