package io.limiter.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.google.gson.GsonBuilder;
import io.github.bucket4j.local.LocalBucket;
import io.limiter.core.KeySpace;
import io.limiter.core.RateLimitStore;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.openjdk.jol.info.ClassLayout;
import org.openjdk.jol.info.GraphStats;

/**
 * P4: bytes per tracked key. Each contender is filled with the same key strings (each key charged once with
 * {@link LimitShape#LONG_BURST}, so no store may expire it) and measured two ways:
 * <ul>
 *   <li>heap delta at {@code keys} keys: used heap after full GCs, before and after filling, divided by the number of
 *       keys. The key strings exist before filling, so this is the cost <em>without</em> them; adding the strings'
 *       own size (measured the same way) gives the cost with them. Run it with {@code -XX:+UseSerialGC}: G1 accounts
 *       large arrays in whole regions, which skews the delta.</li>
 *   <li>JOL at {@code jolKeys} keys (fewer: JOL walks about 100,000 objects a second): the size of everything
 *       reachable from the contender, full minus empty, per key, with and without the strings. It cross-checks the
 *       heap delta and proves what is counted.</li>
 * </ul>
 *
 * <p>The "with keys" columns are what a key costs all in. For a store that keeps no reference to the key strings (the
 * default in-memory store keeps a 128-bit hash), they equal the columns without keys: the strings are the caller's
 * and become garbage after the decision.
 *
 * <p>Usage: {@code MemoryFootprint [keys [jolKeys [json-output [contenders]]]]} (defaults 1,000,000 and 100,000;
 * jolKeys 0 skips JOL; json-output {@code -} writes none; contenders is a comma-separated list of names, default all);
 * prints a table and writes JSON for the report if a path is given. JOL needs
 * {@code -Djdk.attach.allowAttachSelf=true}. Single-threaded; run it alone in its JVM (it forces full GCs).
 */
public final class MemoryFootprint {

  static {
    // When JOL cannot attach to this JVM, its fallback reads field offsets with Unsafe, which refuses the fields of
    // hidden classes (the lambdas a store holds); this switch lets JOL compute those offsets itself. Set before JOL
    // loads, unless the command line chose.
    if (System.getProperty("jol.magicFieldOffset") == null) {
      System.setProperty("jol.magicFieldOffset", "true");
    }
  }

  /**
   * One contender: builds an empty container and returns how to charge one key in it; {@code keepsKeys} is false
   * for a store that keeps no reference to the key strings (the compact in-memory store keeps a hash), whose cost
   * with keys is its heap delta alone.
   */
  private record Contender(String name, Supplier<Object> empty, Function<Object, Consumer<String>> charger,
      boolean keepsKeys) {
    Contender(String name, Supplier<Object> empty, Function<Object, Consumer<String>> charger) {
      this(name, empty, charger, true);
    }
  }

  /**
   * One measured row; sizes are bytes per key.
   *
   * @param name the contender
   * @param keys the keys of the heap measurement
   * @param heapWithoutKeys heap delta per key, key strings excluded
   * @param heapWithKeys the same plus the key strings
   * @param jolKeys the keys of the JOL measurement (0: not measured)
   * @param jolWithoutKeys JOL graph size per key, key strings excluded
   * @param jolWithKeys JOL graph size per key, key strings included
   */
  public record Row(String name, long keys, double heapWithoutKeys, double heapWithKeys, long jolKeys,
      double jolWithoutKeys, double jolWithKeys) {
  }

  private MemoryFootprint() {
  }

  /**
   * @param args {@code [keys [jolKeys [json-output]]]}
   * @throws IOException if the JSON cannot be written
   */
  public static void main(String[] args) throws IOException {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int jolKeys = args.length > 1 ? Integer.parseInt(args[1]) : Math.min(n, 100_000);
    List<String> only = args.length > 3 ? List.of(args[3].split(",")) : List.of();
    List<Row> rows = measure(n, jolKeys, only);
    print(rows, System.out);
    if (args.length > 2 && !args[2].equals("-")) {
      Map<String, Object> json = new LinkedHashMap<>();
      json.put("keys", n);
      json.put("jolKeys", jolKeys);
      json.put("gc", gcNames());
      json.put("rows", rows.stream().map(MemoryFootprint::json).toList());
      Files.writeString(Path.of(args[2]), new GsonBuilder().setPrettyPrinting().create().toJson(json),
          StandardCharsets.UTF_8);
    }
  }

  /** A row as JSON: a column without a JOL sample (NaN, which JSON cannot hold) is left out. */
  private static Map<String, Object> json(Row row) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", row.name());
    o.put("keys", row.keys());
    o.put("heapWithoutKeys", row.heapWithoutKeys());
    o.put("heapWithKeys", row.heapWithKeys());
    o.put("jolKeys", row.jolKeys());
    if (!Double.isNaN(row.jolWithoutKeys())) {
      o.put("jolWithoutKeys", row.jolWithoutKeys());
    }
    if (!Double.isNaN(row.jolWithKeys())) {
      o.put("jolWithKeys", row.jolWithKeys());
    }
    return o;
  }

  /**
   * Measures every contender.
   *
   * @param n the keys of the heap measurement
   * @param jolKeys the keys of the JOL measurement, 0 to skip it
   * @return one row per contender
   */
  public static List<Row> measure(int n, int jolKeys) {
    return measure(n, jolKeys, List.of());
  }

  /**
   * Measures the named contenders.
   *
   * @param n the keys of the heap measurement
   * @param jolKeys the keys of the JOL measurement, 0 to skip it
   * @param only the contenders to measure; all if empty
   * @return one row per contender
   */
  public static List<Row> measure(int n, int jolKeys, List<String> only) {
    long before = usedHeapAfterGc();
    String[] keys = KeySet.ipv4(n);
    double heapKeyBytes = (double) (usedHeapAfterGc() - before - ClassLayout.parseInstance(keys).instanceSize()) / n;
    String[] jolKeySet = Arrays.copyOf(keys, jolKeys);
    double jolKeyBytes = jolKeys == 0 ? 0
        : (double) (GraphStats.parseInstance((Object) jolKeySet).totalSize()
            - ClassLayout.parseInstance(jolKeySet).instanceSize()) / jolKeys;
    List<Row> rows = new ArrayList<>();
    for (Contender contender : contenders(n)) {
      if (!only.isEmpty() && !only.contains(contender.name())) {
        continue;
      }
      double heap = heapDelta(contender, keys);
      double jol = jolKeys == 0 ? Double.NaN : jolSize(contender, jolKeySet);
      rows.add(contender.keepsKeys()
          ? new Row(contender.name(), n, heap, heap + heapKeyBytes, jolKeys, jol - jolKeyBytes, jol)
          : new Row(contender.name(), n, heap, heap, jolKeys, jol, jol));
    }
    return rows;
  }

  private static List<Contender> contenders(int n) {
    LimitShape shape = LimitShape.LONG_BURST;
    long maxKeys = Math.max(RateLimitStore.defaultMaxKeys(), n);
    List<Contender> list = new ArrayList<>();
    // a direct executor keeps the store's graph free of thread pools; clean-up never finds idle keys here anyway
    list.add(new Contender("limiterInMemory",
        () -> store(RateLimitStore.builder().maxKeys(maxKeys).executor(Runnable::run).buildInMemory()),
        store -> keySpaceCharger((RateLimitStore) store), false));
    list.add(new Contender("limiterInMemoryKeyStrings",
        () -> store(RateLimitStore.builder().maxKeys(maxKeys).executor(Runnable::run).buildInMemoryWithKeyStrings()),
        store -> keySpaceCharger((RateLimitStore) store)));
    list.add(new Contender("limiterCaffeine",
        () -> store(RateLimitStore.builder().maxKeys(maxKeys).executor(Runnable::run).buildCaffeine()),
        store -> keySpaceCharger((RateLimitStore) store)));
    list.add(new Contender("bucket4jMap", ConcurrentHashMap::new, map -> {
      @SuppressWarnings("unchecked")
      ConcurrentHashMap<String, LocalBucket> m = (ConcurrentHashMap<String, LocalBucket>) map;
      return key -> m.computeIfAbsent(key, k -> shape.bucket4j()).tryConsume(1);
    }));
    list.add(new Contender("bucket4jCaffeine",
        () -> Caffeine.newBuilder().maximumSize(maxKeys).executor(Runnable::run).build(), cache -> {
          @SuppressWarnings("unchecked")
          Cache<String, LocalBucket> c = (Cache<String, LocalBucket>) cache;
          return key -> c.get(key, k -> shape.bucket4j()).tryConsume(1);
        }));
    list.add(new Contender("resilience4jMap", ConcurrentHashMap::new, map -> {
      @SuppressWarnings("unchecked")
      ConcurrentHashMap<String, io.github.resilience4j.ratelimiter.RateLimiter> m =
          (ConcurrentHashMap<String, io.github.resilience4j.ratelimiter.RateLimiter>) map;
      io.github.resilience4j.ratelimiter.RateLimiterConfig config = shape.resilience4j();
      return key -> m.computeIfAbsent(key, k -> io.github.resilience4j.ratelimiter.RateLimiter.of(k, config))
          .acquirePermission();
    }));
    list.add(new Contender("referenceAtomicLongMap", ConcurrentHashMap::new, map -> {
      @SuppressWarnings("unchecked")
      ConcurrentHashMap<String, AtomicLong> m = (ConcurrentHashMap<String, AtomicLong>) map;
      return key -> m.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
    }));
    return list;
  }

  /** A store with its key space already created, so that the empty measurement includes the policy's fixed cost. */
  private static RateLimitStore store(RateLimitStore store) {
    store.keySpace(LimitShape.LONG_BURST.policy());
    return store;
  }

  private static Consumer<String> keySpaceCharger(RateLimitStore store) {
    KeySpace space = store.keySpace(LimitShape.LONG_BURST.policy());
    return key -> {
      if (!space.tryAcquire(key, 1)) {
        throw new IllegalStateException("LONG_BURST rejected " + key + " in " + store);
      }
    };
  }

  /** Used heap per key after filling, key strings excluded (they exist before). */
  private static double heapDelta(Contender contender, String[] keys) {
    Object container = contender.empty().get();
    Consumer<String> charge = contender.charger().apply(container);
    long before = usedHeapAfterGc();
    fill(contender, container, charge, keys);
    long after = usedHeapAfterGc();
    Reference.reachabilityFence(container);
    return (double) (after - before) / keys.length;
  }

  /** JOL graph size per key, key strings included. */
  private static double jolSize(Contender contender, String[] keys) {
    Object container = contender.empty().get();
    Consumer<String> charge = contender.charger().apply(container);
    long empty = GraphStats.parseInstance(container).totalSize();
    fill(contender, container, charge, keys);
    long full = GraphStats.parseInstance(container).totalSize();
    return (double) (full - empty) / keys.length;
  }

  private static void fill(Contender contender, Object container, Consumer<String> charge, String[] keys) {
    for (String key : keys) {
      charge.accept(key);
    }
    long tracked;
    if (container instanceof RateLimitStore store) {
      store.cleanUp();
      tracked = store.trackedKeys();
    } else if (container instanceof Cache<?, ?> cache) {
      cache.cleanUp();
      tracked = cache.estimatedSize();
    } else {
      tracked = ((Map<?, ?>) container).size();
    }
    if (tracked != keys.length) {
      throw new IllegalStateException(contender.name() + " tracks " + tracked + " keys, not " + keys.length);
    }
  }

  private static List<String> gcNames() {
    List<String> names = new ArrayList<>();
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      names.add(gc.getName());
    }
    return names;
  }

  private static long usedHeapAfterGc() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 4; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /**
   * Prints the rows as a plain-text table.
   *
   * @param rows the rows
   * @param out where to print
   */
  public static void print(List<Row> rows, PrintStream out) {
    out.printf("%-24s %10s %14s %14s %10s %14s %14s%n", "contender", "keys", "heap no keys", "heap w/ keys",
        "JOL keys", "JOL no keys", "JOL w/ keys");
    for (Row r : rows) {
      out.printf("%-24s %10d %14.1f %14.1f %10d %14.1f %14.1f%n", r.name(), r.keys(), r.heapWithoutKeys(),
          r.heapWithKeys(), r.jolKeys(), r.jolWithoutKeys(), r.jolWithKeys());
    }
    out.println("(bytes per key; heap: used heap after GC, " + gcNames() + ")");
  }
}
