package io.limiter.core;

/**
 * How the permits of a {@link Limit} are counted. All four decide exactly under concurrency in every store; they
 * differ in how bursts behave at the edges of a period.
 *
 * <p>Worked examples use {@code 10/minute}:
 * <ul>
 *   <li>{@link #TOKEN_BUCKET}: a bucket of {@link Limit#burst()} tokens (default 10) refilled continuously at one token
 *       every 6 s. A client that waited a minute may send 10 at once, then one every 6 s. In any interval of length
 *       {@code d} at most {@code burst + d/6s} requests pass, so there is no doubled burst at an edge: at 12:00:59.9
 *       a full client sends 10, and at 12:01:00.1 only the 0.03 of a token refilled meanwhile is available.
 *   <li>{@link #FIXED_WINDOW}: counts requests in windows aligned to the ticker's origin (with {@link Ticker#system()}
 *       these are UTC boundaries: 12:00:00–12:00:59.999…). It suits quotas ("1000/day") because the count resets at
 *       a predictable time, but a client can send 10 at 12:00:59.9 and 10 more at 12:01:00.0, so up to <em>twice</em>
 *       the limit passes within a moment around an edge.
 *   <li>{@link #SLIDING_WINDOW}: the Cloudflare approximation of a moving window. It keeps the counts of the current
 *       and the previous fixed window and estimates the requests in the last minute as
 *       {@code previous × (remaining fraction of the current window) + current}. Assuming the previous window's
 *       requests were spread evenly, the estimate is exact; bursty traffic can make it over- or under-count, but
 *       never by more than the previous window's count. In the example above the 10 requests at 12:00:59.9 still
 *       weigh 9.98 at 12:01:00.1, so at most 0 more pass there. Integer arithmetic only, and the retry time is exact
 *       for that estimate.
 *   <li>{@link #MOVING_WINDOW}: flask-limiter's moving window, an exact log of the times of the last permits taken.
 *       A request passes iff fewer than 10 permits were taken in the minute before it; in the example above the 10
 *       requests at 12:00:59.9 block every request until 12:01:59.9, when all 10 pass again. No approximation and no
 *       edge effect, at a price: the state of a key holds one timestamp (8 bytes) per permit of the limit, so a
 *       limit may allow at most {@link #MOVING_WINDOW_MAX_PERMITS} permits per period, checked when the policy is
 *       built.
 *   <li>{@link #CONCURRENCY}: no rate at all, a cap on calls in flight; see {@link Limit#concurrent}.
 * </ul>
 */
public enum Algorithm {
  /** Token bucket computed as GCRA (generic cell rate algorithm): one timestamp per limit and key. The default. */
  TOKEN_BUCKET,
  /** A counter per fixed window; windows are aligned to the clock. */
  FIXED_WINDOW,
  /** A weighted pair of fixed-window counters approximating a moving window. */
  SLIDING_WINDOW,
  /** An exact log of the last permits' timestamps; at most {@link #MOVING_WINDOW_MAX_PERMITS} per limit. */
  MOVING_WINDOW,
  /**
   * Calls in flight (a {@link Limit#concurrent concurrency limit}, {@code "5 concurrent"}): a permit is taken when a
   * call starts and returned when it completes, or when its lease (the limit's period) runs out. The store keeps the
   * expiry times of the leases as a {@link #MOVING_WINDOW} keeps its log, so at most
   * {@link #MOVING_WINDOW_MAX_PERMITS} calls per key; the integrations return the permit when the call completes
   * (normally, exceptionally, or when its asynchronous or streaming response ends).
   */
  CONCURRENCY;

  /**
   * The most permits per period a {@link #MOVING_WINDOW} limit may allow: its log of 8-byte timestamps per key stays
   * below 80 kB (and a Redis value below 80 kB plus a few header bytes).
   */
  public static final int MOVING_WINDOW_MAX_PERMITS = 10_000;
}
