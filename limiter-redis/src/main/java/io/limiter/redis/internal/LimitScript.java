package io.limiter.redis.internal;

import io.limiter.core.Algorithm;
import io.limiter.core.Decision;
import io.limiter.core.Limit;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One algorithm on Redis: its Lua script (the state I/O, the shared prelude, the state helpers and the algorithm's
 * body; or the I/O, the prelude and a body of its own, for the single-limit token bucket), the arguments it takes per
 * limit, and the Java half of the kernel. The split: the script does only what must be atomic (read the state and the
 * time, decide admission for every limit, charge all or none, write the state with its expiry) and replies with the
 * state words it decided on; Java derives remaining, retry-after, reset and refill from those words with the same
 * formulas as the in-memory kernels, in {@code long}s. That keeps the Lua small and its numbers below 2^53.
 *
 * <p>Time on Redis is whole microseconds. Window algorithms (whole-millisecond windows) lose nothing by that; the
 * token bucket keeps nanosecond state. Durations in replies are rounded <em>up</em> to whole microseconds, since a
 * retry earlier than that would meet a floored clock that has not reached the instant yet.
 */
abstract class LimitScript {

  /** The largest integer Lua's doubles hold exactly. */
  static final long MAX_EXACT = (1L << 53) - 1;
  /** The server clock is below 2^52 µs until the year 2112, so spans up to this keep every sum below 2^53. */
  static final long MAX_SPAN_MICROS = MAX_EXACT - (1L << 52);

  /** The request's decision as a function body: reads and writes state through the I/O functions it is put after. */
  private final String body;
  /** What runs for one request: {@code direct_io.lua} and the body. */
  private final String source;
  private final String sha;
  private final char tag;
  private final int argsPerLimit;
  private final int wordsPerLimit;

  /**
   * @param body the algorithm's script resource, put after the prelude and the state helpers of {@code state.lua}
   */
  LimitScript(String body, char tag, int argsPerLimit, int wordsPerLimit) {
    this(tag, argsPerLimit, wordsPerLimit, "prelude.lua", "state.lua", body);
  }

  /**
   * @param resources the script's resources, in order (the prelude first): together, the body
   */
  LimitScript(char tag, int argsPerLimit, int wordsPerLimit, String... resources) {
    StringBuilder text = new StringBuilder();
    for (String name : resources) {
      text.append(text.length() == 0 ? "" : "\n").append(resource(name));
    }
    this.body = text.toString();
    // the state I/O goes first, as locals the body sees; BatchScript puts the body after its cached I/O instead
    this.source = resource("direct_io.lua") + "\n" + this.body;
    this.sha = sha1(source);
    this.tag = tag;
    this.argsPerLimit = argsPerLimit;
    this.wordsPerLimit = wordsPerLimit;
  }

  /**
   * Reads every script's text now. The texts are class resources, read when a script class is initialised: from a
   * jar that is file I/O, which must not happen on the first decision of a non-blocking caller (an event-loop
   * thread). The store calls this when it is built.
   */
  static void loadAll() {
    List<Object> all = List.of(BatchScript.SHA, BatchScript.BUCKETS_SHA, TokenBucketScript.INSTANCE,
        TokenBucketScript.SINGLE, FixedWindowScript.INSTANCE, SlidingWindowScript.INSTANCE, MovingWindowScript.INSTANCE,
        MovingWindowScript.LEASES, TokenBucketScript.PACE, TokenBucketScript.UNPACE, SettleScript.INSTANCE,
        WarmBucketScript.INSTANCE, WarmBucketScript.PACE);
    all.forEach(java.util.Objects::requireNonNull);
  }

  /**
   * @param algorithm the policy's algorithm
   * @param limits the limits of the policy
   * @return the script that decides such a policy
   */
  static LimitScript of(Algorithm algorithm, List<Limit> limits) {
    switch (algorithm) {
      case TOKEN_BUCKET:
        if (WarmBucketScript.needed(limits)) {
          return WarmBucketScript.INSTANCE;
        }
        return limits.size() == 1 ? TokenBucketScript.SINGLE : TokenBucketScript.INSTANCE;
      case FIXED_WINDOW:
        return FixedWindowScript.INSTANCE;
      case SLIDING_WINDOW:
        return SlidingWindowScript.INSTANCE;
      case MOVING_WINDOW:
        return MovingWindowScript.INSTANCE;
      case CONCURRENCY:
        return MovingWindowScript.LEASES;
      default:
        throw new IllegalArgumentException("unknown algorithm " + algorithm);
    }
  }

  String source() {
    return source;
  }

  /**
   * @return the script without its state I/O ({@code direct_io.lua}): the code that decides one request, given
   *     {@code read_words}, {@code write_words} and {@code del_state}
   */
  String body() {
    return body;
  }

  String sha() {
    return sha;
  }

  /** @return the algorithm's letter, the first character of every state tag of its policies */
  char letter() {
    return tag;
  }

  /** @return the script that settles reservations this script made */
  LimitScript settleScript() {
    return SettleScript.INSTANCE;
  }

  int argsPerLimit() {
    return argsPerLimit;
  }

  int wordsPerLimit() {
    return wordsPerLimit;
  }

  /**
   * Returns how far from the clock reading the script's instants for this limit can reach, in microseconds: a
   * script is exact while the clock reading plus this stays at most {@link #MAX_EXACT}.
   *
   * @param limit the limit
   * @return the span
   */
  abstract long spanMicros(Limit limit);

  /**
   * Returns why a limit cannot be decided exactly in Lua's doubles, or null if it can.
   *
   * @param limit the limit
   * @return the problem, or null
   */
  @Nullable String unsupported(Limit limit) {
    long span = spanMicros(limit);
    return span > MAX_SPAN_MICROS ? "limit " + limit + " spans " + span + " µs of state, more than the "
        + MAX_SPAN_MICROS + " µs (about 142 years) that the Redis scripts compute exactly in Lua's doubles" : null;
  }

  /** Writes the script arguments of one limit for a request of {@code permits}. */
  abstract void limitArgs(Limit limit, long permits, String[] args, int offset);

  /**
   * Writes the script arguments of one limit of a policy that decides on the state of another (a view: a step level
   * or tier); {@code layout} is that policy's limit at the same position. Only the moving window's log cares.
   */
  void limitArgs(Limit limit, Limit layout, long permits, String[] args, int offset) {
    limitArgs(limit, permits, args, offset);
  }

  /** Nanoseconds until {@code permits} would be admitted (rounded up to µs): 0 if now, {@link Decision#NEVER}. */
  abstract long waitNanos(Limit limit, long permits, long[] words, int o);

  /** Permits available. */
  abstract long remaining(Limit limit, long[] words, int o);

  /** Nanoseconds until the limit is full again, rounded up to µs. */
  abstract long resetNanos(Limit limit, long[] words, int o);

  /** Nanoseconds until at least one more permit is available (0 when full), rounded up to µs. */
  abstract long refillNanos(Limit limit, long[] words, int o);

  /** Rounds a duration up to whole microseconds; durations here stay far below 2^63 (at most about 2^62). */
  static long ceilMicros(long nanos) {
    return nanos <= 0 ? 0 : (nanos + 999) / 1000 * 1000;
  }

  static String resource(String name) {
    try (InputStream in = LimitScript.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + name + " next to " + LimitScript.class);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read script resource " + name, e);
    }
  }

  static String sha1(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(40);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required of every Java platform", e);
    }
  }
}
