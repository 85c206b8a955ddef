package io.limiter.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Key forgery in the core: whatever a client-controlled key is spelled like, it never shares state with a key the
 * library reserves (shared missing-key buckets, hashed long keys) nor, spelled through a {@link KeyKind}, with a key of
 * another kind. Every case runs on the in-memory and the Caffeine store; the Redis store runs the same through
 * {@code RedisKeyForgeryIT}.
 */
class KeyForgeryTest {

  static Stream<Arguments> stores() {
    return Stream.of(
        Arguments.of("in-memory", (Supplier<RateLimitStore>) RateLimitStore::inMemory),
        Arguments.of("caffeine", (Supplier<RateLimitStore>) RateLimitStore::caffeine));
  }

  private static RateLimiter limiter(Supplier<RateLimitStore> store) {
    return RateLimiter.of(LimitPolicy.of("api", "1/hour"), store.get());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void noClientKeyReachesTheSharedMissingKeyBucket(String name, Supplier<RateLimitStore> store) {
    RateLimiter limiter = limiter(store);
    MissingKeyStrategy.SharedBucket anon = (MissingKeyStrategy.SharedBucket) MissingKeyStrategy.sharedBucket("anon");
    assertThat(limiter.acquireShared(anon, 1).allowed()).isTrue();
    assertThat(limiter.acquireShared(anon, 1).allowed()).as("the bucket is shared and now empty").isFalse();
    assertThat(anon.key()).isEqualTo("!missing:anon");
    for (String forged : List.of("missing:anon", anon.key(), "\\" + anon.key(), "shared:anon", "anon",
        " " + anon.key())) {
      assertThat(limiter.acquire(forged).allowed()).as("client key %s", forged).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void noClientKeyEqualsAHashedLongKey(String name, Supplier<RateLimitStore> store) {
    RateLimiter limiter = limiter(store);
    String longKey = KeyKind.HEADER.key("x-api-key", "k".repeat(100_000));
    String hashed = limiter.forKey(longKey).key();
    assertThat(hashed).startsWith("!sha256:");
    assertThat(limiter.acquire(longKey).allowed()).isTrue();
    assertThat(limiter.acquire(longKey).allowed()).as("the long key has state").isFalse();
    for (String forged : List.of(hashed, hashed.substring(1), "\\" + hashed)) {
      assertThat(limiter.forKey(forged).key()).as("stored key of %s", forged).isNotEqualTo(hashed);
      assertThat(limiter.acquire(forged).allowed()).as("client key %s", forged).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void aValueOfOneKindNeverDrainsAnotherKindsBucket(String name, Supplier<RateLimitStore> store) {
    RateLimiter limiter = limiter(store);
    String ip = KeyKind.IP.key("203.0.113.7");
    assertThat(limiter.acquire(ip).allowed()).isTrue();
    assertThat(limiter.acquire(ip).allowed()).isFalse();
    // every other kind, carrying the IP, the IP's stored key, or the key minus the parts a kind adds
    List<String> forged = new ArrayList<>();
    for (String value : List.of("203.0.113.7", ip, "ip:203.0.113.7|x", ":203.0.113.7")) {
      forged.add(KeyKind.HEADER.key("x-api-key", value));
      forged.add(KeyKind.PRINCIPAL.key(value));
      forged.add(KeyKind.ATTRIBUTE.key("tenant", value));
      forged.add(KeyKind.EXPRESSION.key(value));
      forged.add(KeyKind.RESOLVER.key("tenant", value));
      forged.add(KeyKind.CUSTOM.key(value));
      forged.add(KeyKind.composite(List.of(value)));
    }
    forged.add(KeyKind.global());
    for (String key : forged) {
      assertThat(key).isNotEqualTo(ip);
      assertThat(limiter.acquire(key).allowed()).as("key %s", key).isTrue();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void storesRefuseKeysThatAreNotStoredKeys(String name, Supplier<RateLimitStore> supplier) {
    RateLimitStore store = supplier.get();
    LimitPolicy policy = LimitPolicy.of("api", "1/hour");
    KeySpace space = store.keySpace(policy);
    for (String bad : List.of("", " ", "\t", "x".repeat(257), "é".repeat(129), "a\uD800b")) {
      assertThatThrownBy(() -> space.acquire(bad, 1)).as("acquire %s", bad.length())
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> space.tryAcquire(bad, 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> space.handle(bad).acquire(1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> store.acquire(bad, policy, 1)).isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> space.acquire("x".repeat(300), 1)).hasMessageContaining("at most 256 UTF-8 bytes")
        .hasMessageContaining("pass keys through a RateLimiter");
    assertThat(store.trackedKeys()).as("a refused key takes no room").isZero();
    String exactly256 = "é".repeat(128);
    assertThat(space.acquire(exactly256, 1).allowed()).isTrue();
    assertThat(RateLimiter.of(policy, store).forKey(exactly256).key()).isEqualTo(exactly256);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stores")
  void everyEntryPointCanonicalisesAlike(String name, Supplier<RateLimitStore> store) {
    RateLimiter limiter = limiter(store);
    String reserved = "!sha256:abc";
    assertThat(limiter.tryAcquire(reserved)).isTrue();
    assertThat(limiter.acquire(reserved).allowed()).isFalse();
    assertThat(limiter.forKey(reserved).tryAcquire()).isFalse();
    assertThat(limiter.acquireAsync(reserved, 1).toCompletableFuture().join().allowed()).isFalse();
    assertThat(limiter.forKey(reserved).key()).isEqualTo("\\!sha256:abc");
    for (String blank : List.of("", " ", "\u2003")) {
      assertThatThrownBy(() -> limiter.tryAcquire(blank)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("MissingKeyStrategy");
      assertThatThrownBy(() -> limiter.forKey(blank)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> limiter.acquireAsync(blank, 1)).isInstanceOf(IllegalArgumentException.class);
    }
    // an unpaired surrogate would become '?' in UTF-8 (and so in Redis): such keys are hashed, and stay distinct
    assertThat(limiter.forKey("a\uD800").key()).startsWith("!sha256:")
        .isNotEqualTo(limiter.forKey("a\uD801").key());
    assertThat(limiter.forKey("a?").key()).isEqualTo("a?");
  }

  @Property
  void keysOfDifferentKindsOrNamesOrValuesNeverCoincide(@ForAll("keys") Spelled a, @ForAll("keys") Spelled b) {
    if (!a.inputs().equals(b.inputs())) {
      assertThat(a.key()).as("%s vs %s", a, b).isNotEqualTo(b.key());
      assertThat(canonical(a.key())).isNotEqualTo(canonical(b.key()));
    }
  }

  @Property
  void noClientKeyIsStoredAsAReservedKey(@ForAll("text") String key) {
    if (key.isBlank()) {
      return;
    }
    String stored = canonical(key);
    if (stored.startsWith("!")) {
      assertThat(stored).as(key).startsWith("!sha256:").isNotEqualTo(key);
    } else {
      assertThat(stored).as(key).isIn(key, "\\" + key);
    }
    assertThat(stored).isNotEqualTo("!missing:" + key);
  }

  private static String canonical(String key) {
    return RateLimiter.of(LimitPolicy.of("p", "1/hour"), RateLimitStore.inMemory()).forKey(key).key();
  }

  /** A key spelled from a kind, a name (named kinds) and a value; composites from one or two values. */
  record Spelled(KeyKind kind, String name, String value, String second) {
    String key() {
      if (kind == KeyKind.GLOBAL) {
        return KeyKind.global();
      }
      if (kind == KeyKind.COMPOSITE) {
        return second == null ? KeyKind.composite(List.of(value)) : KeyKind.composite(List.of(value, second));
      }
      return kind.named() ? kind.key(name, value) : kind.key(value);
    }

    /** What the key is made of: two spellings with different inputs must differ. */
    List<Object> inputs() {
      List<Object> in = new ArrayList<>();
      in.add(kind);
      if (kind != KeyKind.GLOBAL) {
        in.add(value);
      }
      if (kind.named()) {
        in.add(name);
      }
      if (kind == KeyKind.COMPOSITE) {
        in.add(String.valueOf(second == null ? null : "+" + second));
      }
      return in;
    }
  }

  @Provide
  Arbitrary<String> text() {
    Arbitrary<String> shortText = Arbitraries.strings().withChars("!\\:|%ab.\u00e9 \uD800\uDC00").ofMaxLength(12);
    return Arbitraries.oneOf(shortText, shortText.map(t -> t + "x".repeat(250)), Arbitraries.of("!missing:x",
        "\\!missing:x", "!sha256:x", "\\", "!"));
  }

  @Provide
  Arbitrary<Spelled> keys() {
    Arbitrary<String> small = Arbitraries.strings().withChars("!\\:|%ab").ofMaxLength(5);
    Arbitrary<String> names = Arbitraries.strings().withChars(":%ab").ofMinLength(1).ofMaxLength(3);
    return Combinators.combine(Arbitraries.of(KeyKind.class), names, small, small.injectNull(0.5))
        .as(Spelled::new);
  }
}
