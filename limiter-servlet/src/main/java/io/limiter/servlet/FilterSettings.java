package io.limiter.servlet;

import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimitListener;
import io.limiter.core.RateLimitStore;
import io.limiter.core.settings.LimiterSettings;
import io.limiter.core.settings.PolicySettings;
import io.limiter.core.settings.Problems;
import io.limiter.core.settings.Setting;
import io.limiter.core.spi.RateLimitStoreProvider;
import io.limiter.core.step.HealthSignal;
import io.limiter.core.step.PenaltyListener;
import io.limiter.core.step.StepController;
import io.limiter.web.ClientIpResolver;
import io.limiter.web.KeyReference;
import io.limiter.web.RateLimitRule;
import io.limiter.web.StepSettings;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Reads the filter's text settings (init-params, and the properties file named by {@code config-file}) into a
 * {@link RateLimitFilter.Builder}: every value goes through the builder's own setters, and every problem is collected
 * with the name and value of the setting it came from. Rules and policies are read in name order.
 *
 * <p>{@link #reread} reads the settings again with new contents of the config file, as at startup but creating
 * nothing that lives on (no store; the listeners, rejection handler and health signals are the startup's), for
 * {@link ConfigFileWatch} to validate and compare. Not thread-safe; each instance is read once.
 */
final class FilterSettings {

  static final String CONFIG_FILE = "config-file";
  /** How often the config file is checked for changes; {@code 0} turns the watch off. An init-param only. */
  static final String RELOAD_INTERVAL = "config-file.reload-interval";
  static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);
  /** A config file larger than this is refused: it is read whole on every check. */
  static final int MAX_FILE_BYTES = 1 << 20;

  /** The settings only init-params have (Boot takes these as beans), besides {@link LimiterSettings}' names. */
  private static final List<String> OWN = List.of(CONFIG_FILE, RELOAD_INTERVAL, "default-key", "annotations",
      "listener", "rejection-handler", "health-signals");
  private static final List<String> RULE = PolicySettings.RULE;
  private static final List<String> POLICY = PolicySettings.POLICY;
  private static final Pattern NAMED = Pattern.compile("(rule|policy)\\.([A-Za-z0-9_-]+)\\.([a-z-]+)");
  private static final Pattern ADAPTIVE = Pattern.compile("adaptive\\.([A-Za-z0-9_.-]+)");

  private final RateLimitFilter.Builder builder = RateLimitFilter.builder();
  private final List<String> problems = builder.problems;
  private final Problems collected = new Problems(problems);
  private final ClassLoader loader;
  private final @Nullable ServletContext context;
  private final Map<String, String> params;
  /** When re-reading: the settings read at startup, whose instances are reused; null at startup. */
  private final @Nullable FilterSettings startup;
  /** When re-reading: the config file's new contents. */
  private final byte @Nullable [] newContent;
  /** The named policies' settings: their key and missing-key are the defaults of the rules that use them. */
  private final Map<String, PolicySettings> policyDefaults = new TreeMap<>();
  /** Every setting as read (the file's, overridden by init-params of the same name), by name. */
  private final Map<String, Setting> settings = new TreeMap<>();
  private Map<String, HealthSignal> signals = Map.of();
  /** The config file's contents as read, or null without a config file (or when it could not be read). */
  private byte @Nullable [] content;
  private @Nullable Duration reloadInterval;

  private FilterSettings(ClassLoader loader, @Nullable ServletContext context, Map<String, String> params,
      @Nullable FilterSettings startup, byte @Nullable [] newContent) {
    this.loader = loader;
    this.context = context;
    this.params = params;
    this.startup = startup;
    this.newContent = newContent;
  }

  /**
   * @param config the filter's config
   * @return the settings, read into their {@link #builder()} with every problem found so far recorded in it
   */
  static FilterSettings read(FilterConfig config) {
    ServletContext context = config.getServletContext();
    ClassLoader loader = context != null && context.getClassLoader() != null ? context.getClassLoader()
        : FilterSettings.class.getClassLoader();
    Map<String, String> params = new LinkedHashMap<>();
    for (String name : Collections.list(config.getInitParameterNames())) {
      params.put(name, config.getInitParameter(name));
    }
    FilterSettings settings = new FilterSettings(loader, context, params, null, null);
    settings.apply();
    return settings;
  }

  /**
   * Reads the settings again, with new contents of the config file and the same init-params, checking everything as
   * at startup; creates no store and reuses the startup's listeners, rejection handler and health signals.
   *
   * @param contents the config file's new contents
   * @return the settings, with every problem recorded in their builder
   */
  FilterSettings reread(byte[] contents) {
    FilterSettings again = new FilterSettings(loader, context, params, this, contents);
    again.apply();
    return again;
  }

  /** @return the builder the settings were read into; its {@code problems} lists what is wrong */
  RateLimitFilter.Builder builder() {
    return builder;
  }

  /** @return every setting as read, by name (the config file's, overridden by init-params of the same name) */
  Map<String, Setting> settings() {
    return Collections.unmodifiableMap(settings);
  }

  /** @return the location the {@code config-file} init-param names, or null */
  @Nullable String configFile() {
    String file = params.get(CONFIG_FILE);
    return file == null || file.isBlank() ? null : file.trim();
  }

  /** @return the config file's contents as read, or null */
  byte @Nullable [] content() {
    return content;
  }

  /** @return how often to check the config file for changes, or null not to watch it */
  @Nullable Duration reloadInterval() {
    return reloadInterval;
  }

  /**
   * Reads the config file now, as at startup.
   *
   * @return its contents
   * @throws IOException naming what is wrong: missing, unreadable, too large
   */
  byte[] readConfigFile() throws IOException {
    String location = configFile();
    try (InputStream in = location == null ? null : open(location)) {
      if (in == null) {
        throw new IOException("no such file; use /WEB-INF/<file> for a file in the web application, "
            + "classpath:<resource> or file:<path>");
      }
      byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
      if (bytes.length > MAX_FILE_BYTES) {
        throw new IOException("larger than " + MAX_FILE_BYTES + " bytes");
      }
      return bytes;
    }
  }

  /** The problem of a config file that could not be read, in the words of startup. */
  static String unreadable(String location, IOException e) {
    String message = String.valueOf(e.getMessage());
    return "init-param " + CONFIG_FILE + "=\"" + location + "\": " + (message.startsWith("no such") ? ""
        : "cannot read it: ") + message;
  }

  private void apply() {
    String file = configFile();
    if (file != null) {
      loadFile(file, settings);
    }
    for (Map.Entry<String, String> e : params.entrySet()) {
      settings.put(e.getKey().trim(), new Setting(e.getKey().trim(), e.getValue(), "init-param"));
    }
    Map<String, Map<String, Setting>> rules = new TreeMap<>();
    Map<String, Map<String, Setting>> policies = new TreeMap<>();
    Map<String, String> storeSettings = new TreeMap<>();
    Map<String, Setting> filterWide = new LinkedHashMap<>();
    Map<String, Setting> controllers = new TreeMap<>();
    for (Setting s : settings.values()) {
      String key = s.name();
      Matcher adaptive = ADAPTIVE.matcher(key);
      Matcher named = NAMED.matcher(key);
      if (adaptive.matches()) {
        controllers.put(adaptive.group(1), s);
      } else if (named.matches()) {
        boolean rule = named.group(1).equals("rule");
        (rule ? rules : policies).computeIfAbsent(named.group(2), n -> new LinkedHashMap<>()).put(named.group(3), s);
      } else if (key.startsWith("store.") && LimiterSettings.renamed(key) == null) {
        storeSettings.put(key.substring(6), s.value());
      } else {
        filterWide.put(key, s);
      }
    }
    LimiterSettings global = LimiterSettings.of(filterWide, OWN, "init-param", n -> n, collected);
    builder.settings(global, collected);
    ClientIpResolver ip = ClientIpResolver.builder().build(global, collected);
    if (ip != null) {
      builder.clientIp(ip);
    }
    collected.read(global.get("default-key"), Setting::value, builder::defaultKey);
    collected.read(global.get("annotations"), Setting::asBoolean, builder::annotations);
    reloadInterval(global.get(RELOAD_INTERVAL), file);
    // re-reading creates nothing: these are restart-only settings, and the startup's instances stay in use
    if (startup == null) {
      Setting listeners = global.get("listener");
      if (listeners != null) {
        for (String className : listeners.asList()) {
          set(listeners, v -> listener(className));
        }
      }
      Setting handler = global.get("rejection-handler");
      if (handler != null) {
        set(handler, v -> builder.rejectionHandler(instantiate(v, RejectionHandler.class)));
      }
      signals = healthSignals(global.get("health-signals"));
    } else {
      signals = startup.signals;
    }
    controllers(controllers, signals);
    policies.forEach(this::policy);
    rules.forEach(this::rule);
    if (startup == null) {
      store(global, storeSettings);
    }
    builder.textual = true;
  }

  private void reloadInterval(@Nullable Setting setting, @Nullable String file) {
    if (setting == null) {
      reloadInterval = file == null ? null : DEFAULT_RELOAD_INTERVAL;
      return;
    }
    if (file == null) {
      problems.add(setting.where() + ": needs the init-param " + CONFIG_FILE + " (the file to watch)");
      return;
    }
    if (setting.value().equals("0") || setting.value().equalsIgnoreCase("off")) {
      reloadInterval = null; // not watched
      return;
    }
    collected.read(setting, Setting::asDuration, d -> {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException("must be positive (0 or off: do not watch the file)");
      }
      reloadInterval = d;
    });
  }

  private void loadFile(String location, Map<String, Setting> settings) {
    Properties props = new Properties();
    String source = "property in " + location + ":";
    if (newContent != null) {
      content = newContent;
    } else {
      try {
        content = readConfigFile();
      } catch (IOException e) {
        problems.add(unreadable(location, e));
        return;
      }
    }
    try {
      props.load(new InputStreamReader(new ByteArrayInputStream(content), StandardCharsets.UTF_8));
    } catch (IOException | IllegalArgumentException e) {
      problems.add("init-param " + CONFIG_FILE + "=\"" + location + "\": cannot read it: " + e.getMessage());
      return;
    }
    for (String name : new TreeSet<>(props.stringPropertyNames())) {
      if (name.equals(CONFIG_FILE)) {
        problems.add(source + " " + name + ": a config file cannot name another config file");
        continue;
      }
      if (name.startsWith(CONFIG_FILE + ".")) {
        problems.add(source + " " + name + ": an init-param only (how the file is watched is not the file's to say)");
        continue;
      }
      settings.put(name, new Setting(name, props.getProperty(name), source));
    }
  }

  private @Nullable InputStream open(String location) throws IOException {
    if (location.startsWith("classpath:")) {
      String resource = location.substring("classpath:".length());
      return loader.getResourceAsStream(resource.startsWith("/") ? resource.substring(1) : resource);
    }
    if (location.startsWith("file:")) {
      Path path = Path.of(location.substring("file:".length()));
      return Files.isRegularFile(path) ? Files.newInputStream(path) : null;
    }
    return context == null ? null : context.getResourceAsStream(location.startsWith("/") ? location : "/" + location);
  }

  private void policy(String name, Map<String, Setting> s) {
    PolicySettings settings = PolicySettings.of(s, POLICY, source(s), part -> "policy." + name + "." + part,
        collected);
    builder.labels.put("policy." + name, settings.label("*"));
    policyDefaults.put(name, settings);
    // the rules' defaults are checked here too, so that a policy no rule uses yet cannot hide a bad value
    collected.read(settings.get("key"), Setting::value, KeyReference::parse);
    settings.missingKey(collected);
    int before = problems.size();
    LimitPolicy policy = settings.policy(name, collected);
    StepSettings steps = StepSettings.read(settings, collected);
    if (policy != null && problems.size() == before) {
      try {
        builder.policy(policy, steps);
      } catch (IllegalStateException e) {
        problems.add("policy." + name + ".*: " + e.getMessage());
      }
    }
  }

  /** The source of a group of settings (init-param or the config file), for settings it lacks. */
  private static String source(Map<String, Setting> s) {
    return s.values().iterator().next().source();
  }

  private Map<String, HealthSignal> healthSignals(@Nullable Setting s) {
    Map<String, HealthSignal> signals = new TreeMap<>();
    if (s == null) {
      return signals;
    }
    for (String className : s.asList()) {
      set(s, v -> {
        HealthSignal signal = instantiate(className, HealthSignal.class);
        HealthSignal previous = signals.putIfAbsent(signal.name(), signal);
        if (previous != null) {
          throw new IllegalArgumentException(className + " and " + previous.getClass().getName() + " are both named \""
              + signal.name() + "\"");
        }
      });
    }
    return signals;
  }

  private void controllers(Map<String, Setting> controllers, Map<String, HealthSignal> signals) {
    controllers.forEach((name, s) -> {
      builder.labels.put("adaptive." + name, s.label());
      try {
        builder.controller(StepController.parse(name, s.value(), s.label(), signals));
      } catch (RateLimitConfigException e) {
        problems.addAll(e.problems());
      } catch (IllegalArgumentException | IllegalStateException e) {
        problems.add(s.where() + ": " + e.getMessage());
      }
    });
  }

  private void listener(String className) {
    Object listener = instantiate(className, Object.class);
    boolean used = false;
    if (listener instanceof ConfigReloadListener l) {
      builder.reloadListeners.add(l);
      used = true;
    }
    if (listener instanceof RateLimitListener l) {
      builder.listener(l);
      used = true;
    }
    if (listener instanceof PenaltyListener l) {
      builder.penaltyListener(l);
      used = true;
    }
    if (!used) {
      throw new IllegalArgumentException(className + " implements none of " + RateLimitListener.class.getName()
          + ", " + PenaltyListener.class.getName() + " and " + ConfigReloadListener.class.getName());
    }
  }

  private void rule(String name, Map<String, Setting> s) {
    PolicySettings settings = PolicySettings.of(s, RULE, source(s), part -> "rule." + name + "." + part, collected);
    builder.labels.put("rule." + name, settings.label("*"));
    RateLimitRule rule = RateLimitRule.read(name, settings, policyDefaults::get, collected);
    if (rule != null) {
      builder.rule(rule);
    }
  }


  private void store(LimiterSettings global, Map<String, String> storeSettings) {
    Setting setting = global.get("store");
    String where = setting == null ? "init-param store" : setting.where();
    String n = setting == null || setting.value().isEmpty() ? "memory" : setting.value();
    Long maxKeys = global.maxKeys(collected);
    boolean local = n.equalsIgnoreCase("memory") || n.equalsIgnoreCase("caffeine");
    if (global.get("max-keys") != null && !local) {
      problems.add(global.get("max-keys").where() + ": applies to the memory and caffeine stores only; " + where
          + " takes its settings as store.<setting>");
    }
    if (local) {
      storeSettings.forEach((key, value) -> problems.add("init-param store." + key + "=\"" + value + "\": unknown "
          + "setting of the " + n + " store; it has max-keys"));
      if (problems.isEmpty()) {
        var b = RateLimitStore.builder();
        if (maxKeys != null) {
          b.maxKeys(maxKeys);
        }
        try {
          builder.ownedStore(n.equalsIgnoreCase("memory") ? b.buildInMemory() : b.buildCaffeine());
        } catch (IllegalStateException e) {
          problems.add(where + ": " + e.getMessage());
        }
      }
      return;
    }
    List<String> names = new ArrayList<>(List.of("memory", "caffeine"));
    try {
      for (RateLimitStoreProvider provider : ServiceLoader.load(RateLimitStoreProvider.class, loader)) {
        if (provider.name().equalsIgnoreCase(n)) {
          createStore(provider, storeSettings, where);
          return;
        }
        names.add(provider.name());
      }
    } catch (ServiceConfigurationError e) {
      problems.add(where + ": a store provider on the class path is broken: " + e.getMessage());
      return;
    }
    if (!n.contains(".")) {
      problems.add(where + ": unknown store; available: " + names + ", or the class name of a RateLimitStoreProvider "
          + "or RateLimitStore");
      return;
    }
    Class<?> type;
    try {
      type = Class.forName(n, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      problems.add(where + ": class " + n + " not found");
      return;
    }
    if (RateLimitStoreProvider.class.isAssignableFrom(type)) {
      if (problems.isEmpty()) {
        // a class name was set
        set(Objects.requireNonNull(setting, "store"),
            v -> createStore(instantiate(n, RateLimitStoreProvider.class), storeSettings, where));
      }
    } else if (RateLimitStore.class.isAssignableFrom(type)) {
      if (!storeSettings.isEmpty()) {
        problems.add(where + ": store." + storeSettings.keySet() + " cannot be passed to a RateLimitStore class; "
            + "implement RateLimitStoreProvider to take settings");
      } else if (problems.isEmpty()) {
        // a class name was set
        set(Objects.requireNonNull(setting, "store"), v -> builder.ownedStore(instantiate(n, RateLimitStore.class)));
      }
    } else {
      problems.add(where + ": " + n + " is neither a RateLimitStoreProvider nor a RateLimitStore");
    }
  }

  private void createStore(RateLimitStoreProvider provider, Map<String, String> storeSettings, String where) {
    if (!problems.isEmpty()) {
      return;
    }
    try {
      builder.ownedStore(provider.create(Map.copyOf(storeSettings)));
    } catch (RuntimeException e) {
      problems.add(where + ": the " + provider.name() + " store failed to start: " + message(e));
    }
  }

  private <T> T instantiate(String className, Class<T> type) {
    try {
      Class<?> c = Class.forName(className.trim(), true, loader);
      if (!type.isAssignableFrom(c)) {
        throw new IllegalArgumentException(className + " does not implement " + type.getName());
      }
      return type.cast(c.getConstructor().newInstance());
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("class " + className + " not found");
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException(className + " needs a public no-argument constructor");
    } catch (ReflectiveOperationException | LinkageError e) {
      throw new IllegalArgumentException("cannot create " + className + ": " + e);
    }
  }

  private void set(Setting s, Consumer<String> setter) {
    try {
      setter.accept(s.value());
    } catch (IllegalArgumentException | IllegalStateException e) {
      problems.add(s.where() + ": " + message(e));
    }
  }


  private static String message(RuntimeException e) {
    return e instanceof NumberFormatException ? "not a number" : String.valueOf(e.getMessage());
  }
}
