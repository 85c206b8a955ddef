package io.limiter.spring.step;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.limiter.spring.internal.InvocationKeys;
import io.limiter.spring.internal.ServletRequestKeySource;
import io.limiter.spring.internal.TierKeys;
import java.lang.reflect.Method;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A tier key the client can set is refused however it is spelled: the request reference parser accepts spaces around
 * the colon and any case, so the refusal must judge the parsed reference, not the text.
 */
class TierKeySpellingTest {

  private final InvocationKeys keys = new InvocationKeys(Map.of(), ServletRequestKeySource.peerAddress(), null);

  public void call() {
  }

  private void forCalls(String tierKey) throws NoSuchMethodException {
    Method m = TierKeySpellingTest.class.getMethod("call");
    TierKeys.forCalls(tierKey, keys, m, m, TierKeySpellingTest.class, false);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"header:X-Plan", "HEADER:X-Plan", "header :X-Plan", "header\t:X-Plan", " Header : X-Plan",
      "principal", "PRINCIPAL", " principal "})
  void aClientSettableTierKeyIsRefusedInEverySpelling(String tierKey) {
    assertThatThrownBy(() -> forCalls(tierKey)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is refused");
    assertThatThrownBy(() -> TierKeys.forRequests(tierKey)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is refused");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"trusted:header:X-Plan", "trusted:header :X-Plan", "TRUSTED:principal", "attribute:plan",
      "#root.methodName"})
  void trustedAndUnforgeableTierKeysAreAccepted(String tierKey) {
    assertThatCode(() -> forCalls(tierKey)).doesNotThrowAnyException();
  }
}
