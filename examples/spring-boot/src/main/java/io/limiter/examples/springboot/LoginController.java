package io.limiter.examples.springboot;

import io.limiter.annotation.RateLimit;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Charge on outcome: only failed logins count. Five failed attempts a minute per username (against guessing one
 * account's password) and twenty per client IP (against one client trying many accounts); a successful login costs
 * nothing, and a request that either limit rejects costs nothing under the other.
 */
@RestController
public class LoginController {

  /** The demonstration's one account: {@code alice} / {@code wonderland}. */
  static final Map<String, String> ACCOUNTS = Map.of("alice", "wonderland");

  /**
   * Checks a username and password.
   *
   * @param username the account
   * @param password its password
   * @return 200 with a greeting, or 401
   */
  @PostMapping("/login")
  @RateLimit(value = "5/minute", name = "login-username", key = "#username", chargeOn = "401")
  @RateLimit(value = "20/minute", name = "login-ip", chargeOn = "401")
  public ResponseEntity<Map<String, String>> login(@RequestParam("username") String username,
      @RequestParam("password") String password) {
    if (password.equals(ACCOUNTS.get(username))) {
      return ResponseEntity.ok(Map.of("message", "welcome, " + username));
    }
    return ResponseEntity.status(HttpStatus.UNAUTHORIZED).body(Map.of("message", "wrong username or password"));
  }
}
