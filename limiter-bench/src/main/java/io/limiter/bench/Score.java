package io.limiter.bench;

/**
 * A measured value and its error half-width (JMH's 99.9% confidence interval, or a standard deviation over repeated
 * load runs). Immutable.
 *
 * @param value the mean
 * @param error the half-width of the error bar; 0 if unknown
 */
public record Score(double value, double error) {

  /**
   * The ratio of two independent scores, with the error propagated to first order (relative errors added in
   * quadrature).
   *
   * @param other the denominator
   * @return {@code this / other}
   */
  public Score over(Score other) {
    double ratio = value / other.value;
    double relative = Math.sqrt(square(relErr()) + square(other.relErr()));
    return new Score(ratio, Math.abs(ratio) * relative);
  }

  /**
   * The sum of two independent scores, the errors added in quadrature.
   *
   * @param other the other addend
   * @return {@code this + other}
   */
  public Score plus(Score other) {
    return new Score(value + other.value, Math.sqrt(square(error) + square(other.error)));
  }

  private double relErr() {
    return value == 0 || !Double.isFinite(error) ? 0 : error / value;
  }

  private static double square(double x) {
    return x * x;
  }

  /**
   * @param decimals digits after the point
   * @return {@code "12.3 ± 0.4"}, or just the value if the error is unknown
   */
  public String format(int decimals) {
    String v = String.format(java.util.Locale.ROOT, "%,." + decimals + "f", value);
    if (!Double.isFinite(error) || error <= 0) {
      return v;
    }
    return v + " ± " + String.format(java.util.Locale.ROOT, "%,." + decimals + "f", error);
  }
}
