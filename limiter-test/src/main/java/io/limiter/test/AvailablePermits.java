package io.limiter.test;

import io.limiter.core.KeySpace;

/**
 * How the contracts read a key's state from outside: by taking every permit available now and counting them (the
 * fake clock stands still meanwhile, so nothing refills during the count). Shared by the contracts that check what a
 * multi-policy reservation left behind; stateless.
 */
final class AvailablePermits {

  private AvailablePermits() {
  }

  /**
   * Takes every permit available now for {@code key} and counts them, in halving chunks so a large limit costs few
   * calls.
   *
   * @param space the key space
   * @param key the key
   * @return the permits that were available
   */
  static long takeAll(KeySpace space, String key) {
    long n = 0;
    for (long chunk = 1L << 13; chunk >= 1; chunk >>= 1) {
      while (space.acquire(key, chunk).allowed()) {
        n += chunk;
      }
    }
    return n;
  }
}
