package io.limiter.servlet;

/**
 * Told about every change of the filter's {@code config-file} that the filter checked: applied (its policies swapped,
 * see {@link ConfigReload#changes()}) or refused whole (see {@link ConfigReload#problems()}). Name a class that
 * implements it in the {@code listener} init-param (public no-argument constructor), or add one with
 * {@link RateLimitFilter#addConfigReloadListener}. Called on the thread that checks the file, one reload at a time;
 * an exception is logged and ignored. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface ConfigReloadListener {

  /**
   * @param reload what happened
   */
  void onReload(ConfigReload reload);
}
