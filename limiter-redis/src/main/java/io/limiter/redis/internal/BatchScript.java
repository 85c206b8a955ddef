package io.limiter.redis.internal;

/**
 * The script that decides a vector of requests in one call ({@link Coalescer}): every single-request script's body,
 * unchanged, as one function each, after {@code batch_io.lua} (the state I/O over a cache: one read and one write per
 * key per call), and {@code batch.lua}, which calls them in order, one request after the other. So a request decided in
 * a vector runs exactly the code that decides it alone (same state, clamping and reply), and the two may take turns on
 * one key. Immutable.
 *
 * <p>To add an algorithm: its script reads and writes state only through {@code read_words}, {@code write_words}
 * and {@code del_state} (see {@code direct_io.lua}), and goes into {@link #SCRIPTS}. The moving window (and the
 * concurrency leases on its log) is not in a vector: its log is written in place ({@code SETRANGE}, {@code PEXPIRE}),
 * which the per-call cache of {@code batch_io.lua} cannot stand for, so its requests always go out alone (pipelined in
 * arrival order, see {@link #covers}).
 */
final class BatchScript {

  /** The scripts a vector may use, in the order of their index in the vector's arguments (from 1). */
  private static final LimitScript[] SCRIPTS = {TokenBucketScript.SINGLE, TokenBucketScript.INSTANCE,
      FixedWindowScript.INSTANCE, SlidingWindowScript.INSTANCE, WarmBucketScript.INSTANCE};

  static final String SOURCE = source();
  static final String SHA = LimitScript.sha1(SOURCE);
  /**
   * The vector script of the most common vector, every request a one-limit token bucket
   * ({@link TokenBucketScript#SINGLE}) and no group: {@code token_bucket_vector.lua}, the same arguments and replies
   * as {@link #SOURCE}'s, and the same decisions and stored state, with a quarter to a half less script time per
   * request.
   */
  static final String BUCKETS_SOURCE = LimitScript.resource("vector_error.lua") + "\n"
      + LimitScript.resource("bucket_step.lua") + "\n" + LimitScript.resource("token_bucket_vector.lua");
  static final String BUCKETS_SHA = LimitScript.sha1(BUCKETS_SOURCE);

  private BatchScript() {
  }

  private static String source() {
    // the cached state I/O first: the functions below see it as their read_words, write_words and del_state
    StringBuilder source = new StringBuilder(LimitScript.resource("batch_io.lua")).append("\nlocal decide = {}\n");
    for (int i = 0; i < SCRIPTS.length; i++) {
      // KEYS and ARGV as parameters: the script's own code reads the request's, not the vector's
      source.append("decide[").append(i + 1).append("] = function(KEYS, ARGV)\n").append(SCRIPTS[i].body())
          .append("\nend\n");
    }
    return source.append(LimitScript.resource("vector_error.lua")).append('\n')
        .append(LimitScript.resource("batch.lua")).toString();
  }

  /**
   * @param script a single-request script
   * @return whether it can be decided in a vector
   */
  static boolean covers(LimitScript script) {
    for (LimitScript s : SCRIPTS) {
      if (s == script) {
        return true;
      }
    }
    return false;
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

  private static final String[] INDEXES = new String[SCRIPTS.length];

  static {
    for (int i = 0; i < SCRIPTS.length; i++) {
      INDEXES[i] = Integer.toString(i + 1);
    }
  }
}
