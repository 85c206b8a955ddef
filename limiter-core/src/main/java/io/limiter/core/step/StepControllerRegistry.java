package io.limiter.core.step;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The step controllers of an application by name, for policies that refer to one ({@code adaptive = "api-health"}).
 * Several policies may share a controller. {@link #start()} starts every controller's scheduler and
 * {@link #close()} stops them; integrations tie both to the application's lifecycle. Thread-safe.
 */
public final class StepControllerRegistry implements AutoCloseable {

  private final ConcurrentMap<String, StepController> controllers = new ConcurrentHashMap<>();

  /** Creates an empty registry. */
  public StepControllerRegistry() {
  }

  /**
   * Adds a controller.
   *
   * @param controller the controller
   * @return the controller
   * @throws IllegalStateException if another controller has the same name
   */
  public StepController register(StepController controller) {
    Objects.requireNonNull(controller, "controller");
    StepController existing = controllers.putIfAbsent(controller.name(), controller);
    if (existing != null && existing != controller) {
      throw new IllegalStateException("step controller name \"" + controller.name() + "\" is already registered");
    }
    return controller;
  }

  /**
   * Returns a controller by name.
   *
   * @param name the name
   * @return the controller
   * @throws IllegalArgumentException if there is none; the message lists the known names
   */
  public StepController controller(String name) {
    StepController controller = controllers.get(Objects.requireNonNull(name, "name"));
    if (controller == null) {
      throw new IllegalArgumentException("unknown step controller \"" + name + "\"; known controllers: "
          + (controllers.isEmpty() ? "none" : names()));
    }
    return controller;
  }

  /**
   * @param name the name
   * @return the controller, if registered
   */
  public Optional<StepController> find(String name) {
    return Optional.ofNullable(controllers.get(name));
  }

  /** @return the names, sorted */
  public Set<String> names() {
    return new TreeSet<>(controllers.keySet());
  }

  /** @return the controllers, sorted by name */
  public List<StepController> controllers() {
    List<StepController> all = new ArrayList<>();
    for (String name : names()) {
      all.add(controllers.get(name));
    }
    return all;
  }

  /**
   * Starts every registered controller that is not running yet.
   *
   * @return this registry
   */
  public StepControllerRegistry start() {
    for (StepController c : controllers()) {
      if (!c.running()) {
        c.start();
      }
    }
    return this;
  }

  /**
   * Starts every controller not yet running on the host's scheduler (no thread of the library's own).
   *
   * @param scheduler the host's scheduler, which the caller stops after {@link #close()}
   * @return this registry
   */
  public StepControllerRegistry start(TickScheduler scheduler) {
    for (StepController c : controllers()) {
      if (!c.running()) {
        c.start(scheduler);
      }
    }
    return this;
  }

  /** Stops every controller's scheduler. */
  @Override
  public void close() {
    for (StepController c : controllers.values()) {
      c.close();
    }
  }
}
