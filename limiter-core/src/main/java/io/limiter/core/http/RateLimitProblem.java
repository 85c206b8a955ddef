package io.limiter.core.http;

import io.limiter.core.Decision;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Renders the RFC 9457 {@code application/problem+json} body of a rejected request:
 * <pre>
 * {"type":"https://iana.org/assignments/http-problem-types#quota-exceeded","title":"Too Many Requests",
 *  "status":429,"detail":"Rate limit exceeded for policy orders (10/minute); retry after 6 seconds.",
 *  "violated-policies":["orders"]}
 * </pre>
 * A rejection because the store failed ({@link Decision#degraded()}, fail-closed) renders as 503 with type
 * {@code about:blank}. Static and thread-safe; web integrations write this string with {@link #CONTENT_TYPE}.
 */
public final class RateLimitProblem {

  /** {@code application/problem+json}. */
  public static final String CONTENT_TYPE = "application/problem+json";
  /** The problem type registered for exceeded quotas. */
  public static final String QUOTA_EXCEEDED_TYPE = "https://iana.org/assignments/http-problem-types#quota-exceeded";

  private RateLimitProblem() {
  }

  /**
   * @param decisions the decisions of the request; the rejected ones are reported
   * @param status the HTTP status of the response (429 unless configured otherwise; 503 when degraded)
   * @return the JSON body
   */
  public static String json(List<Decision> decisions, int status) {
    return of(decisions, status).json();
  }

  /**
   * Returns the members of the problem body, for frameworks that render problems themselves (Spring's
   * {@code ProblemDetail}); {@link Content#json()} is the body {@link #json(List, int)} writes.
   *
   * @param decisions the decisions of the request; the rejected ones are reported
   * @param status the HTTP status of the response (429 unless configured otherwise; 503 when degraded)
   * @return the problem's members
   */
  public static Content of(List<Decision> decisions, int status) {
    Set<String> violated = new LinkedHashSet<>();
    Decision first = null;
    boolean degraded = false;
    for (Decision d : decisions) {
      if (d.rejected()) {
        violated.add(d.policy().name());
        degraded |= d.degraded();
        if (first == null) {
          first = d;
        }
      }
    }
    return new Content(degraded ? "about:blank" : QUOTA_EXCEEDED_TYPE, title(status), status,
        first == null ? null : detail(first, degraded), List.copyOf(violated));
  }

  /**
   * The members of a rate limit problem (RFC 9457).
   *
   * @param type the problem type URI
   * @param title the short summary of the status
   * @param status the HTTP status
   * @param detail the explanation for this request, or null when nothing was rejected
   * @param violatedPolicies the names of the rejecting policies, in order (the {@code violated-policies} member)
   */
  public record Content(String type, String title, int status, @Nullable String detail,
      List<String> violatedPolicies) {

    /** @return the {@code application/problem+json} body */
    public String json() {
      StringBuilder sb = new StringBuilder(256).append('{');
      field(sb, "type", type).append(',');
      field(sb, "title", title).append(',');
      sb.append("\"status\":").append(status);
      if (detail != null) {
        sb.append(',');
        field(sb, "detail", detail);
      }
      sb.append(",\"violated-policies\":[");
      boolean comma = false;
      for (String name : violatedPolicies) {
        if (comma) {
          sb.append(',');
        }
        appendJsonString(sb, name);
        comma = true;
      }
      return sb.append("]}").toString();
    }
  }

  /**
   * Renders a problem body for a request refused before any policy decided it, e.g. one without the API key that its
   * rate limit is keyed by (type {@code about:blank}, no {@code violated-policies}).
   *
   * @param status the HTTP status of the response, e.g. 401
   * @param detail a sentence for the client saying what is missing
   * @return the JSON body
   */
  public static String json(int status, String detail) {
    StringBuilder sb = new StringBuilder(160).append('{');
    field(sb, "type", "about:blank").append(',');
    field(sb, "title", title(status)).append(',');
    sb.append("\"status\":").append(status).append(',');
    return field(sb, "detail", detail).append('}').toString();
  }

  private static String detail(Decision d, boolean degraded) {
    if (degraded) {
      return "The rate limit store is unavailable and policy " + d.policy().name() + " fails closed.";
    }
    long retry = RateLimitHeaders.retryAfterSeconds(d);
    return "Rate limit exceeded for policy " + d.policy().name() + " (" + d.limit() + ")"
        + (retry == 0 ? "; this request exceeds the limit's capacity and can never succeed."
            : "; retry after " + retry + (retry == 1 ? " second." : " seconds."));
  }

  private static String title(int status) {
    switch (status) {
      case 429:
        return "Too Many Requests";
      case 503:
        return "Service Unavailable";
      case 403:
        return "Forbidden";
      case 401:
        return "Unauthorized";
      default:
        return "Request Rejected";
    }
  }

  private static StringBuilder field(StringBuilder sb, String name, String value) {
    appendJsonString(sb, name).append(':');
    return appendJsonString(sb, value);
  }

  /**
   * Appends a JSON string literal.
   *
   * @param sb where to append
   * @param value the text
   * @return {@code sb}
   */
  public static StringBuilder appendJsonString(StringBuilder sb, String value) {
    sb.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"':
          sb.append("\\\"");
          break;
        case '\\':
          sb.append("\\\\");
          break;
        case '\n':
          sb.append("\\n");
          break;
        case '\r':
          sb.append("\\r");
          break;
        case '\t':
          sb.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
      }
    }
    return sb.append('"');
  }
}
