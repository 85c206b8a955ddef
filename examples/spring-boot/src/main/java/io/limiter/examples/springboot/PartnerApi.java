package io.limiter.examples.springboot;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A fake partner API that allows 10 calls a second: it answers every call and records when each arrived, so that the
 * pacing demonstration ({@link PartnerClient}) can show the rate the partner sees. In a real system this is someone
 * else's service; here it lives in the example so that the demonstration needs nothing else.
 */
@RestController
public class PartnerApi {

  private final List<Long> arrivals = new ArrayList<>();
  private final AtomicLong calls = new AtomicLong();

  /**
   * A quote for a product.
   *
   * @param product the product
   * @return the quote
   */
  @GetMapping("/partner/quote")
  public Map<String, Object> quote(@RequestParam("product") String product) {
    long now = System.nanoTime();
    synchronized (arrivals) { // held for an add only, never around a wait
      arrivals.add(now);
    }
    return Map.of("product", product, "price", 100 + Math.floorMod(product.hashCode(), 900),
        "call", calls.incrementAndGet());
  }

  /** @return when each call arrived ({@link System#nanoTime()}), in arrival order; a copy */
  public List<Long> arrivals() {
    synchronized (arrivals) {
      return new ArrayList<>(arrivals);
    }
  }
}
