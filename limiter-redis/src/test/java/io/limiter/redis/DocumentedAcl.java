package io.limiter.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The minimal ACL line that docs/redis.md prints ({@code ACL SETUSER limiter ... >CHANGE-ME ...}), read from the
 * page so that tests use exactly what users copy. Shared with other modules' integration tests through this
 * module's test jar (they run from a sibling directory of docs/ too). Stateless.
 */
public final class DocumentedAcl {

  /** The user name of the documented line. */
  public static final String USER = "limiter";
  /** The password placeholder of the documented line. */
  public static final String PLACEHOLDER = ">CHANGE-ME";
  /** The block, as limiter-docs' coverage check knows it: the one after {@code <!-- check: acl -->}. */
  static final String BLOCK = "docs/redis.md#acl";
  private static final Pattern LINE = Pattern.compile("<!-- check: acl -->\\n```\\n(ACL SETUSER limiter .*)\\n```");

  private DocumentedAcl() {
  }

  /** @return the rules of the line: the tokens after {@code ACL SETUSER limiter} */
  public static List<String> rules() {
    String page;
    try {
      page = Files.readString(Path.of("..", "docs", "redis.md"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher m = LINE.matcher(page);
    assertThat(m.find()).as(BLOCK + ": the minimal ACL line, alone in the block marked acl").isTrue();
    String line = m.group(1).trim();
    assertThat(page.split("ACL SETUSER limiter ", -1)).as("docs/redis.md prints one ACL line").hasSize(2);
    List<String> tokens = Arrays.asList(line.split("\\s+"));
    assertThat(tokens).contains(PLACEHOLDER);
    return List.copyOf(tokens.subList(3, tokens.size()));
  }

  /**
   * Creates or replaces the user with exactly these rules, the placeholder replaced by the password.
   *
   * @param port the server's port
   * @param adminPassword the default user's password, or null
   * @param rules the rules, e.g. {@link #rules()}
   * @param password the user's password
   */
  public static void setUser(int port, String adminPassword, List<String> rules, String password) {
    List<String> args = new ArrayList<>(List.of("ACL", "SETUSER", USER, "reset")); // removing a rule removes the right
    for (String rule : rules) {
      args.add(rule.equals(PLACEHOLDER) ? ">" + password : rule);
    }
    String reply = RedisCli.command(port, adminPassword, args);
    if (!reply.equals("OK")) {
      throw new IllegalStateException("ACL SETUSER " + USER + " " + rules + " failed: " + reply);
    }
  }
}
