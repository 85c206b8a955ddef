package io.limiter.bench.overload;

import java.util.List;
import java.util.SplittableRandom;

/**
 * The overload scenario: five phases of equal length, each with an offered load (requests per second, open loop) and
 * a service capacity (a factor of the nominal one), and the seeded arrival schedule drawn from them. Every contender
 * gets the same schedule: the same instants, the same clients, in the same order.
 *
 * <ol>
 *   <li>{@code ramp}: the offered load rises linearly from a fifth of the nominal capacity to 1.5 times it;
 *   <li>{@code plateau}: 1.5 times the nominal capacity;
 *   <li>{@code drop}: the same load while the service runs at half its capacity (a bad deploy);
 *   <li>{@code recovery}: full capacity again, the same load;
 *   <li>{@code spike}: three times the nominal capacity for the first quarter of the phase, then 0.75 times it.
 * </ol>
 *
 * <p>Immutable and thread-safe.
 *
 * @param phaseNanos the length of each phase
 * @param nominalRate the nominal capacity in requests per second (what the static limit allows)
 * @param seed the seed of the arrival schedule
 */
public record LoadCurve(long phaseNanos, double nominalRate, long seed) {

  /** The phases' names, in order. */
  public static final List<String> PHASES = List.of("ramp", "plateau", "drop", "recovery", "spike");

  /** A request of the schedule: when it is sent (nanoseconds after the start) and by which client (0 or 1). */
  public record Arrival(long atNanos, int client, int user) {
  }

  public LoadCurve {
    if (phaseNanos < 100_000_000L) {
      throw new IllegalArgumentException("a phase must last at least 100ms but was " + phaseNanos + "ns");
    }
    if (!(nominalRate > 0)) {
      throw new IllegalArgumentException("nominal rate must be positive but was " + nominalRate);
    }
  }

  /** @return the measuring window: 250 ms, or the largest half of it that divides the phase length */
  public long windowNanos() {
    long window = 250_000_000L;
    while (phaseNanos % window != 0) {
      window /= 2;
    }
    return window;
  }

  /** @return the length of the whole run */
  public long totalNanos() {
    return phaseNanos * PHASES.size();
  }

  /**
   * @param atNanos time since the start
   * @return the phase index at that time (the last one past the end)
   */
  public int phase(long atNanos) {
    return (int) Math.min(PHASES.size() - 1, Math.max(0, atNanos / phaseNanos));
  }

  /**
   * @param atNanos time since the start
   * @return the offered requests per second
   */
  public double offered(long atNanos) {
    double inPhase = (double) (atNanos - phase(atNanos) * phaseNanos) / phaseNanos;
    return switch (PHASES.get(phase(atNanos))) {
      case "ramp" -> nominalRate * (0.2 + 1.3 * inPhase);
      case "plateau", "drop", "recovery" -> nominalRate * 1.5;
      default -> inPhase < 0.25 ? nominalRate * 3 : nominalRate * 0.75;
    };
  }

  /**
   * @param atNanos time since the start
   * @return the service's capacity as a factor of the nominal one
   */
  public double capacity(long atNanos) {
    return PHASES.get(phase(atNanos)).equals("drop") ? 0.5 : 1.0;
  }

  /**
   * Draws the arrival schedule: a Poisson process with the offered rate (thinning of a process at the highest rate),
   * each arrival from client 0 or 1 with equal probability and one of {@code usersPerClient} users of that client.
   *
   * @param usersPerClient at least 1
   * @return the arrivals in time order
   */
  public List<Arrival> arrivals(int usersPerClient) {
    SplittableRandom random = new SplittableRandom(seed);
    double max = nominalRate * 3;
    java.util.ArrayList<Arrival> out = new java.util.ArrayList<>();
    double t = 0;
    long total = totalNanos();
    while (true) {
      t += -Math.log(1 - random.nextDouble()) / max * 1e9;
      if (t >= total) {
        break;
      }
      long at = (long) t;
      // draw all three numbers for every candidate, so the schedule does not depend on which ones are kept
      double keep = random.nextDouble();
      int client = random.nextInt(2);
      int user = random.nextInt(usersPerClient);
      if (keep < offered(at) / max) {
        out.add(new Arrival(at, client, user));
      }
    }
    return List.copyOf(out);
  }
}
