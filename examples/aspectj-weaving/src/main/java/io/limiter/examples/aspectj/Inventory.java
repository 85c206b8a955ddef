package io.limiter.examples.aspectj;

import io.limiter.annotation.RateLimit;

/**
 * A plain class, never proxied: the woven aspect limits even what a Spring AOP proxy could not (private and static
 * methods, calls from inside the class).
 */
public class Inventory {

  /**
   * Calls a private limited method from inside the class.
   *
   * @param sku the item
   * @return the stock
   */
  public int stock(String sku) {
    return lookUp(sku);
  }

  @RateLimit(value = "2/minute", key = "#sku")
  private int lookUp(String sku) {
    return sku.length();
  }

  /**
   * @return a report, at most once a minute for everybody
   */
  @RateLimit(value = "1/minute", name = "report")
  public static String report() {
    return "report";
  }
}
