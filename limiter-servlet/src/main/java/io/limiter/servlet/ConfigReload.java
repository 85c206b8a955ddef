package io.limiter.servlet;

import io.limiter.core.PolicyChange;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One check of a changed {@code config-file}: either its new contents were applied (the policies whose limits,
 * algorithm, shadow or failure mode changed were swapped in the filter's registry, each client's state kept within the
 * same shape and reset under another) or refused whole, the running limits staying in force. Immutable.
 *
 * @param file the {@code config-file} as named by the init-param
 * @param outcome applied or refused
 * @param changes the policies swapped (empty when refused, or when nothing that decides changed)
 * @param problems why it was refused, one complete sentence each, in the words of a startup failure; empty when applied
 */
public record ConfigReload(String file, Outcome outcome, List<PolicyChange> changes, List<String> problems) {

  /** What became of new contents of the config file. */
  public enum Outcome {
    /** The new contents are in force. */
    APPLIED,
    /** The new contents were refused whole; the running settings stay in force. */
    REFUSED
  }

  /**
   * @param file the {@code config-file} as named by the init-param
   * @param outcome applied or refused
   * @param changes the policies swapped
   * @param problems why it was refused
   */
  public ConfigReload {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(outcome, "outcome");
    changes = List.copyOf(changes);
    problems = List.copyOf(problems);
  }

  /**
   * The counts of a filter's config-file reloads, a metric to export.
   *
   * @param applied how many new contents were applied since the filter started
   * @param refused how many were refused
   * @param last the last reload, or null if there was none
   */
  public record Counts(long applied, long refused, @Nullable ConfigReload last) {
  }
}
