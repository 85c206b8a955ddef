package io.limiter.redis.internal;

/**
 * The script that decides a vector of requests in one call ({@link Coalescer}): every single-request script, its
 * source unchanged, as the body of one function each, and {@code batch.lua}, which calls them in order, one request
 * after the other. So a request decided in a vector runs exactly the code that decides it alone (same state, clamping
 * and reply), and the two may take turns on one key. Immutable.
 */
final class BatchScript {

  /** The scripts a vector may use, in the order of their index in the vector's arguments (from 1). */
  private static final LimitScript[] SCRIPTS = {TokenBucketScript.SINGLE, TokenBucketScript.INSTANCE,
      FixedWindowScript.INSTANCE, SlidingWindowScript.INSTANCE, MovingWindowScript.INSTANCE,
      MovingWindowScript.LEASES};

  static final String SOURCE = source();
  static final String SHA = LimitScript.sha1(SOURCE);

  private BatchScript() {
  }

  private static String source() {
    StringBuilder source = new StringBuilder("local decide = {}\n");
    for (int i = 0; i < SCRIPTS.length; i++) {
      // KEYS and ARGV as parameters: the script's own code reads the request's, not the vector's
      source.append("decide[").append(i + 1).append("] = function(KEYS, ARGV)\n").append(SCRIPTS[i].source())
          .append("\nend\n");
    }
    return source.append(LimitScript.resource("batch.lua")).toString();
  }

  /**
   * @param script a single-request script
   * @return its index in a vector's arguments
   */
  static String index(LimitScript script) {
    for (int i = 0; i < SCRIPTS.length; i++) {
      if (SCRIPTS[i] == script) {
        return INDEXES[i];
      }
    }
    throw new IllegalArgumentException("no vector index for script " + script);
  }

  private static final String[] INDEXES = {"1", "2", "3", "4", "5", "6"};
}
