package io.limiter.servlet;

import io.limiter.core.PolicyChange;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.settings.Setting;
import io.limiter.core.step.TickScheduler;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Watches the filter's {@code config-file} and applies its changes with the rules of startup.
 *
 * <p>Each check (on the filter's scheduler, every {@code config-file.reload-interval}) reads the file whole. New
 * contents are taken only once two checks in a row read them unchanged, so a file caught half-written is never applied
 * (write it elsewhere and rename it over the old one to make each change atomic). Then the contents are read exactly
 * as at startup ({@link FilterSettings#reread}: every problem listed) and the filter is built from them once for the
 * checks a running filter would fail at startup (unknown policies, costs above a capacity, steps that do not fit); any
 * problem refuses the new contents whole. Only the limits, algorithm, shadow and failure mode of existing rules and
 * named policies change live: any other difference (paths, methods, keys, cost, charge-on, step settings, controllers,
 * rules or policies added or removed, the store and every filter-wide setting) needs a restart, and is refused naming
 * each such setting, so a change is never half-applied. Accepted contents swap the changed policies in the filter's
 * registry in one {@link RateLimiterRegistry#replaceAll} (each client's state carried over within the same shape, reset
 * under another; stepped policies follow, or refuse a change their steps cannot apply to).
 *
 * <p>Every outcome is logged (a refusal at WARNING with the startup listing, which names the file), counted
 * ({@link #counts()}) and reported to the {@link ConfigReloadListener}s; the same contents are reported once.
 *
 * <p>Thread-safe: checks are serialized by a lock, never held by a decision.
 */
final class ConfigFileWatch implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(RateLimitFilter.class.getName());
  /** The settings of rules and named policies that change live: what a policy swap changes, and nothing else. */
  private static final Set<String> LIVE = Set.of("limits", "algorithm", "shadow", "failure-mode");
  private static final Pattern NAMED = Pattern.compile("(rule|policy)\\.([A-Za-z0-9_-]+)\\.([a-z-]+)");

  private final FilterSettings startup;
  private final String file;
  private final RateLimiterRegistry registry;
  private final String filterName;
  private final List<ConfigReloadListener> listeners = new CopyOnWriteArrayList<>();
  private final ReentrantLock lock = new ReentrantLock();

  /** The settings in force. */
  private Map<String, Setting> running;
  /** The contents in force; a read equal to them changes nothing. */
  private Contents applied;
  /** Contents read once and not yet in force: taken when the next check reads them unchanged. */
  private @Nullable Contents candidate;
  /** The contents refused last, so that they are reported once. */
  private @Nullable Contents refused;
  private long appliedCount;
  private long refusedCount;
  private @Nullable ConfigReload last;
  private volatile @Nullable ScheduledFuture<?> schedule;

  /** A read of the file: its bytes, or why it could not be read. */
  private record Contents(byte @Nullable [] bytes, @Nullable String problem) {
    boolean same(@Nullable Contents other) {
      return other != null && Arrays.equals(bytes, other.bytes) && Objects.equals(problem, other.problem);
    }
  }

  /**
   * @param startup the settings the filter started with
   * @param registry the filter's registry, whose policies a reload replaces
   * @param filterName the filter's name, for the log
   * @param listeners told about every reload
   */
  ConfigFileWatch(FilterSettings startup, RateLimiterRegistry registry, String filterName,
      List<ConfigReloadListener> listeners) {
    this.startup = startup;
    this.file = Objects.requireNonNull(startup.configFile(), "config-file");
    this.registry = Objects.requireNonNull(registry, "registry");
    this.filterName = filterName;
    this.listeners.addAll(listeners);
    this.running = startup.settings();
    this.applied = new Contents(startup.content(), null);
  }

  /**
   * Checks the file every {@code interval} on the scheduler, until {@link #close()}.
   *
   * @param scheduler the filter's scheduler
   * @param interval the time between checks
   * @return this watch
   */
  ConfigFileWatch start(TickScheduler scheduler, Duration interval) {
    schedule = scheduler.scheduleAtFixedRate(this::checkQuietly, interval);
    return this;
  }

  void addListener(ConfigReloadListener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /** @return the reloads counted so far */
  ConfigReload.Counts counts() {
    lock.lock();
    try {
      return new ConfigReload.Counts(appliedCount, refusedCount, last);
    } finally {
      lock.unlock();
    }
  }

  private void checkQuietly() {
    try {
      check();
    } catch (RuntimeException | Error e) {
      // escaping would cancel the schedule and stop the watch for good
      LOG.log(Level.ERROR, "rate limit filter " + filterName + ": checking config-file " + file + " failed", e);
    }
  }

  /**
   * Reads the file once; applies (or refuses) contents that a previous check read the same.
   *
   * @return the reload this check did, or null if it did none
   */
  @Nullable ConfigReload check() {
    lock.lock();
    try {
      Contents now;
      try {
        now = new Contents(startup.readConfigFile(), null);
      } catch (IOException e) {
        now = new Contents(null, FilterSettings.unreadable(file, e));
      }
      if (now.same(applied)) {
        candidate = null;
        return null;
      }
      if (!now.same(candidate)) {
        candidate = now; // seen once: it may be half-written, take it when the next check reads it unchanged
        return null;
      }
      if (now.same(refused)) {
        return null;
      }
      return reload(now);
    } finally {
      lock.unlock();
    }
  }

  private ConfigReload reload(Contents contents) {
    if (contents.problem() != null) {
      return refuse(contents, List.of(contents.problem()));
    }
    // a read without a problem has its bytes
    FilterSettings next = startup.reread(Objects.requireNonNull(contents.bytes(), "bytes"));
    List<String> problems = new ArrayList<>(next.builder().problems);
    if (problems.isEmpty()) {
      try {
        // the checks of a filter's start: unknown policies, costs above a capacity, steps that do not fit
        next.builder().createEngine().close();
      } catch (RateLimitConfigException e) {
        problems.addAll(e.problems());
      }
    }
    if (!problems.isEmpty()) {
      return refuse(contents, problems);
    }
    List<String> restart = restartOnly(running, next.settings());
    if (!restart.isEmpty()) {
      return refuse(contents, restart);
    }
    List<PolicyChange> changes;
    try {
      changes = registry.replaceAll(next.builder().livePolicies());
    } catch (RateLimitConfigException e) {
      return refuse(contents, e.problems());
    }
    running = next.settings();
    applied = contents;
    candidate = null;
    refused = null;
    appliedCount++;
    ConfigReload reload = new ConfigReload(file, ConfigReload.Outcome.APPLIED, changes, List.of());
    LOG.log(Level.INFO, "rate limit filter " + filterName + ": config-file " + file + " reloaded: "
        + (changes.isEmpty() ? "no policy changed" : changes));
    return report(reload);
  }

  private ConfigReload refuse(Contents contents, List<String> problems) {
    refused = contents;
    refusedCount++;
    ConfigReload reload = new ConfigReload(file, ConfigReload.Outcome.REFUSED, List.of(), problems);
    LOG.log(Level.WARNING, "rate limit filter " + filterName + ": config-file " + file + " changed, but the new "
        + "contents are refused whole; the running limits stay in force. "
        + new RateLimitConfigException(problems).getMessage());
    return report(reload);
  }

  private ConfigReload report(ConfigReload reload) {
    last = reload;
    for (ConfigReloadListener l : listeners) {
      try {
        l.onReload(reload);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "a config reload listener failed for " + reload, e);
      }
    }
    return reload;
  }

  /**
   * Every difference between two readings of the settings that a policy swap cannot apply: anything but the
   * {@link #LIVE} settings of a rule or named policy that both readings have.
   */
  static List<String> restartOnly(Map<String, Setting> before, Map<String, Setting> after) {
    Set<String> names = new TreeSet<>(before.keySet());
    names.addAll(after.keySet());
    List<String> problems = new ArrayList<>();
    for (String name : names) {
      Setting was = before.get(name);
      Setting is = after.get(name);
      if (was != null && is != null && was.value().equals(is.value())) {
        continue;
      }
      Matcher named = NAMED.matcher(name);
      if (named.matches() && LIVE.contains(named.group(3))
          && defines(before, named.group(1), named.group(2)) && defines(after, named.group(1), named.group(2))) {
        continue;
      }
      String what = was == null ? "added (" + Objects.requireNonNull(is, "is").where() + ")" // one of them is set
          : is == null ? "removed (was " + was.where() + ")"
          : "changed from \"" + was.value() + "\" to \"" + is.value() + "\" (" + is.label() + ")";
      problems.add(name + " " + what + ": only the limits, algorithm, shadow and failure-mode of existing rules and "
          + "policies change while the filter runs; this takes a restart, so nothing of the new contents was applied");
    }
    return problems;
  }

  /** Whether the settings define the rule or policy (any setting of it). */
  private static boolean defines(Map<String, Setting> settings, String kind, String name) {
    String prefix = kind + "." + name + ".";
    return settings.keySet().stream().anyMatch(k -> k.startsWith(prefix));
  }

  /** Stops checking; a check that is running finishes. Idempotent. */
  @Override
  public void close() {
    ScheduledFuture<?> s = schedule;
    schedule = null;
    if (s != null) {
      s.cancel(false);
    }
  }
}
