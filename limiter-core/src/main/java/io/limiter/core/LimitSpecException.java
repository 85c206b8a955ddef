package io.limiter.core;

/**
 * Thrown when a rate limit string cannot be parsed or describes a limit out of range. The message names the raw
 * string, the 0-based position of the problem and what was expected there, e.g.
 * {@code invalid rate limit "10/fortnight" at position 3: unknown unit "fortnight"; expected one of ...}.
 *
 * <p>This is the only exception {@link LimitSpec#parse(String)} throws for any non-null input.
 */
public final class LimitSpecException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  private final String input;
  private final int position;
  private final String problem;

  LimitSpecException(String input, int position, String problem) {
    super("invalid rate limit \"" + input + "\" at position " + position + ": " + problem);
    this.input = input;
    this.position = position;
    this.problem = problem;
  }

  /** @return the raw string that failed to parse */
  public String input() {
    return input;
  }

  /** @return the 0-based index in {@link #input()} where the problem was found */
  public int position() {
    return position;
  }

  /** @return the problem and what was expected, without the input and position */
  public String problem() {
    return problem;
  }
}
