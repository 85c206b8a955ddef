package io.limiter.core.internal;

/**
 * Overflow-safe arithmetic on nanosecond timestamps. Saturating instead of wrapping matters: a wrapped timestamp
 * would turn "far in the future" into "long ago" and refill a bucket.
 */
final class TimeMath {

  private TimeMath() {
  }

  static long saturatedAdd(long a, long b) {
    long r = a + b;
    // overflow iff both operands have the same sign and the result's sign differs
    if (((a ^ r) & (b ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  static long saturatedSubtract(long a, long b) {
    long r = a - b;
    if (((a ^ b) & (a ^ r)) < 0) {
      return a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
    return r;
  }

  static long saturatedMultiply(long a, long b) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
      return lo;
    }
    return (a ^ b) < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
  }

  /**
   * Returns {@code floor(a * b / c)} exactly for non-negative arguments whose result is below 2^52, without 128-bit
   * division: a double estimate (off by at most a few units at that size) corrected with exact 128-bit comparisons.
   */
  static long mulDivFloor(long a, long b, long c) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      return lo / c;
    }
    long q = (long) ((double) a * (double) b / (double) c);
    while (q > 0 && compareProductTo(q, c, hi, lo) > 0) {
      q--;
    }
    while (compareProductTo(q + 1, c, hi, lo) <= 0) {
      q++;
    }
    return q;
  }

  /** Compares {@code x * y} with the unsigned 128-bit value {@code (hi, lo)}; all non-negative. */
  private static int compareProductTo(long x, long y, long hi, long lo) {
    long phi = Math.multiplyHigh(x, y);
    long plo = x * y;
    if (phi != hi) {
      return Long.compare(phi, hi);
    }
    return Long.compareUnsigned(plo, lo);
  }

  /**
   * Returns {@code floor((a * b + c) / d)} exactly, for {@code a, b >= 0}, {@code d > 0} and a result that fits in a
   * {@code long}. Without overflow it is one multiplication and one division; otherwise it falls back to
   * {@link java.math.BigInteger} (only limits with huge bursts and rates near one permit per nanosecond get there).
   */
  static long mulAddFloorDiv(long a, long b, long c, long d) {
    long hi = Math.multiplyHigh(a, b);
    long lo = a * b;
    if (hi == 0 && lo >= 0) {
      long sum = lo + c;
      if (((lo ^ sum) & (c ^ sum)) >= 0) { // no overflow
        return Math.floorDiv(sum, d);
      }
    }
    java.math.BigInteger[] qr = java.math.BigInteger.valueOf(a).multiply(java.math.BigInteger.valueOf(b))
        .add(java.math.BigInteger.valueOf(c)).divideAndRemainder(java.math.BigInteger.valueOf(d));
    java.math.BigInteger q = qr[1].signum() < 0 ? qr[0].subtract(java.math.BigInteger.ONE) : qr[0];
    return q.longValueExact();
  }
}
