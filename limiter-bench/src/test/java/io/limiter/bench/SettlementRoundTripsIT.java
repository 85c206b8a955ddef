package io.limiter.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Keeps run-settlement.sh's Redis part from rotting: {@code SettlementRoundTrips} starts the redis-server the Redis
 * tests use ({@code --server auto}) and prints a row for every variant.
 */
class SettlementRoundTripsIT {

  @Test
  void printsARowPerVariantAgainstARedisItStartsItself() throws Exception {
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      SettlementRoundTrips.main(new String[] {"--server", "auto", "--requests", "50", "--rounds", "1"});
    } finally {
      System.setOut(out);
    }
    String table = captured.toString(StandardCharsets.UTF_8);
    // the calls per request are counted by the server: exact whatever the machine's load
    assertThat(table).contains("| acquire | 1.00 |", "| reserve+commit | 1.00 |", "| reserve+settle | 2.00 |",
        "| 3 policies, each | 3.00 |", "| 3 policies, reserveAll | 1.00 |", "| rejected, each | 5.00 |",
        "| rejected, reserveAll | 1.00 |");
  }
}
