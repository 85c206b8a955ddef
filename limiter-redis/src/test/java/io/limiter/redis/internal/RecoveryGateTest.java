package io.limiter.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecoveryGateTest {

  private final RecoveryGate gate = new RecoveryGate(100, 350);
  private final RuntimeException failure = new RuntimeException("down");

  @Test
  void allPassWhileAvailable() {
    assertThat(gate.enter(0)).isEqualTo(RecoveryGate.PASS);
    assertThat(gate.succeeded(RecoveryGate.PASS)).isFalse();
    assertThat(gate.available()).isTrue();
  }

  @Test
  void aFailureSkipsRedisUntilOneProbeAfterTheBackoff() {
    assertThat(gate.failed(RecoveryGate.PASS, 1000, failure)).as("became unavailable").isTrue();
    assertThat(gate.failed(RecoveryGate.PASS, 1001, failure)).as("already unavailable").isFalse();
    assertThat(gate.available()).isFalse();
    assertThat(gate.lastFailure()).isSameAs(failure);
    assertThat(gate.enter(1099)).isEqualTo(RecoveryGate.SKIP);
    assertThat(gate.enter(1100)).isEqualTo(RecoveryGate.PROBE);
    assertThat(gate.enter(1100)).as("one probe at a time").isEqualTo(RecoveryGate.SKIP);
    assertThat(gate.succeeded(RecoveryGate.PROBE)).isTrue();
    assertThat(gate.available()).isTrue();
    assertThat(gate.enter(1101)).isEqualTo(RecoveryGate.PASS);
  }

  @Test
  void failedProbesDoubleTheBackoffUpToTheMaximum() {
    gate.failed(RecoveryGate.PASS, 0, failure);
    assertThat(gate.enter(100)).isEqualTo(RecoveryGate.PROBE);
    gate.failed(RecoveryGate.PROBE, 100, failure); // next after 200
    assertThat(gate.enter(299)).isEqualTo(RecoveryGate.SKIP);
    assertThat(gate.enter(300)).isEqualTo(RecoveryGate.PROBE);
    gate.failed(RecoveryGate.PROBE, 300, failure); // next after 350 (the maximum), not 400
    assertThat(gate.enter(649)).isEqualTo(RecoveryGate.SKIP);
    assertThat(gate.enter(650)).isEqualTo(RecoveryGate.PROBE);
    gate.succeeded(RecoveryGate.PROBE);
    gate.failed(RecoveryGate.PASS, 1000, failure); // a new outage starts at the initial backoff again
    assertThat(gate.enter(1100)).isEqualTo(RecoveryGate.PROBE);
  }

  @Test
  void lateAnswersToRequestsSentBeforeTheFailureDoNotReopen() {
    gate.failed(RecoveryGate.PASS, 0, failure);
    assertThat(gate.succeeded(RecoveryGate.PASS)).isFalse();
    assertThat(gate.available()).isFalse();
  }

  @Test
  void onlyConnectionLevelFailuresMayOpenTheGate() {
    assertThat(RecoveryGate.isConnectionFailure(new io.lettuce.core.RedisCommandTimeoutException("slow"))).isTrue();
    assertThat(RecoveryGate.isConnectionFailure(new io.lettuce.core.RedisConnectionException("refused"))).isTrue();
    assertThat(RecoveryGate.isConnectionFailure(new io.lettuce.core.RedisException("Connection closed"))).isTrue();
    assertThat(RecoveryGate.isConnectionFailure(new java.util.concurrent.CompletionException(
        new java.util.concurrent.TimeoutException()))).isTrue();
    for (String code : new String[] {"LOADING Redis is loading the dataset in memory", "MASTERDOWN Link down",
        "READONLY You can't write against a read only replica.", "CLUSTERDOWN The cluster is down",
        "TRYAGAIN Multiple keys request during rehashing", "BUSY Redis is busy running a script"}) {
      assertThat(RecoveryGate.isConnectionFailure(new io.lettuce.core.RedisCommandExecutionException(code)))
          .as(code).isTrue();
    }
    for (String code : new String[] {"WRONGTYPE Operation against a key holding the wrong kind of value",
        "OOM command not allowed when used memory > 'maxmemory'.", "ERR Error running script (call to f_1): oops",
        "NOSCRIPT No matching script"}) {
      assertThat(RecoveryGate.isConnectionFailure(new io.lettuce.core.RedisCommandExecutionException(code)))
          .as(code).isFalse();
    }
    // a demoted primary refuses the script's write; Redis 6.2's exact reply
    assertThat(RecoveryGate.isConnectionFailure(new io.lettuce.core.RedisCommandExecutionException("ERR Error "
        + "running script (call to f_a6): @user_script:1: @user_script: 1: -READONLY You can't write against a read "
        + "only replica."))).isTrue();
    assertThat(RecoveryGate.isConnectionFailure(new IllegalStateException("unexpected reply"))).isFalse();
    assertThat(RecoveryGate.isConnectionFailure(new ClassCastException())).isFalse();
  }
}
