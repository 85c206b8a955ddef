package io.limiter.gateway;

import io.limiter.core.Decision;
import io.limiter.core.KeyKind;
import io.limiter.core.Limit;
import io.limiter.core.LimitPolicy;
import io.limiter.core.RateLimitConfigException;
import io.limiter.core.RateLimiter;
import io.limiter.core.RateLimiterRegistry;
import io.limiter.core.http.RateLimitHeaders;
import io.limiter.core.step.SteppedLimiterRegistry;
import io.limiter.core.step.SteppedRateLimiter;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.springframework.cloud.gateway.event.FilterArgsEvent;
import org.springframework.cloud.gateway.filter.ratelimit.AbstractRateLimiter;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.filter.reactive.ServerWebExchangeContextFilter;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;

/**
 * A Spring Cloud Gateway {@code RateLimiter} that decides with Limiter policies and stores: the
 * {@code RequestRateLimiter} filter of a route gives the client key (from the gateway's {@code KeyResolver}), this
 * class takes the route's permits from its policy and answers with the decision and its response fields.
 *
 * <p>A route configures it under the filter's arguments with the prefix {@value #CONFIGURATION_PROPERTY_NAME}
 * (see {@link Config}): {@code limits} (an inline spec such as {@code 10/second; 1000/hour}, its buckets named after
 * the route or {@code name}) or {@code policy} (a policy of the {@link RateLimiterRegistry}, e.g. from
 * {@code limiter.policies.<name>}, with its step levels, tiers and penalty box when the
 * {@link SteppedLimiterRegistry} has them), {@code cost}, {@code headers} and {@code tier-key}. A route without
 * these arguments takes the defaults given to the constructor. Every route's configuration is checked when the
 * gateway loads the route; a problem fails that route with a {@link RateLimitConfigException} naming the route, the
 * argument and its value.
 *
 * <p>Decisions never block the calling thread: they go through {@link RateLimiter#acquireAsync} (in-memory and
 * Caffeine stores decide on the caller's thread without waiting; the Redis store completes on its I/O thread when the
 * server answers or its command timeout passes). Client keys are stored as {@code x:<key>} ({@link KeyKind#CUSTOM}),
 * so a gateway key can never pose as a key of another kind.
 *
 * <p>Thread-safe: routes may be (re)loaded while requests are decided; a request sees either the old or the new
 * configuration of its route.
 */
public class LimiterRateLimiter extends AbstractRateLimiter<LimiterRateLimiter.Config> {

  /** The prefix of this limiter's route arguments, e.g. {@code limiter-rate-limiter.limits}. */
  public static final String CONFIGURATION_PROPERTY_NAME = "limiter-rate-limiter";

  /** {@link GatewayHeaderMode#GATEWAY}: permits left in the deciding limit. */
  public static final String REMAINING_HEADER = "X-RateLimit-Remaining";
  /** {@link GatewayHeaderMode#GATEWAY}: the deciding limit's permits per second, rounded down. */
  public static final String REPLENISH_RATE_HEADER = "X-RateLimit-Replenish-Rate";
  /** {@link GatewayHeaderMode#GATEWAY}: the deciding limit's burst. */
  public static final String BURST_CAPACITY_HEADER = "X-RateLimit-Burst-Capacity";
  /** {@link GatewayHeaderMode#GATEWAY}: the permits the request took (its cost). */
  public static final String REQUESTED_TOKENS_HEADER = "X-RateLimit-Requested-Tokens";

  /** Exchange attribute: the fields this limiter's decisions on the exchange wrote, kept at commit. */
  private static final String FIELDS_ATTRIBUTE = LimiterRateLimiter.class.getName() + ".fields";
  private static final String TRUSTED_HEADER = "trusted:header:";
  private static final String ATTRIBUTE = "attribute:";

  private final RateLimiterRegistry registry;
  private final @Nullable SteppedLimiterRegistry stepped;
  private final Config defaults;
  // Compiled routes, each remembering the Config instance it was compiled from: a route (re)loaded by the gateway
  // puts a new Config into getConfig(), which makes the entry stale and recompiled on its next request.
  private final ConcurrentHashMap<String, RouteLimit> compiled = new ConcurrentHashMap<>();
  private final RateLimitHeaders.Writer headerWriter = RateLimitHeaders.writer();

  /**
   * @param registry the policies that routes may name, and the store and listener every decision uses
   * @param stepped the step levels, tiers and penalty boxes of named policies; null if there are none
   * @param defaults what a route without arguments of its own gets; copied
   * @param configurationService binds route arguments; null when routes are configured only through
   *     {@link #getConfig()} (the Java route DSL)
   */
  public LimiterRateLimiter(RateLimiterRegistry registry, @Nullable SteppedLimiterRegistry stepped, Config defaults,
      @Nullable ConfigurationService configurationService) {
    super(Config.class, CONFIGURATION_PROPERTY_NAME, configurationService);
    this.registry = Objects.requireNonNull(registry, "registry");
    this.stepped = stepped;
    this.defaults = Objects.requireNonNull(defaults, "defaults").copy();
  }

  /**
   * Binds a route's arguments (as the gateway's own limiters do) and checks them at once, so that a bad limit
   * fails the route when the gateway loads it rather than at its first request.
   *
   * @throws RateLimitConfigException listing every problem of the route's configuration
   */
  @Override
  public void onApplicationEvent(FilterArgsEvent event) {
    super.onApplicationEvent(event);
    Config config = getConfig().get(event.getRouteId());
    if (config != null) {
      route(event.getRouteId(), config);
    }
  }

  /**
   * Decides the request. When the exchange is in the Reactor context ({@link ServerWebExchangeContextFilter}, which
   * the auto-configuration registers), the fields of the answer also replace, just before the response is committed,
   * any of the same name that the backend or a later filter put there: the client sees this limiter's answer about
   * its limit once, never next to or under a backend's field of the same name.
   */
  @Override
  public Mono<Response> isAllowed(String routeId, String id) {
    return Mono.deferContextual(context -> {
      RouteLimit route = route(routeId, getConfig().get(routeId));
      String key = KeyKind.CUSTOM.key(id);
      ServerWebExchange exchange = ServerWebExchangeContextFilter.getExchange(context).orElse(null);
      String tier = route.tierKey != null && exchange != null ? route.tierKey.apply(exchange) : null;
      CompletableFuture<Decision> decided = route.decide(key, tier).toCompletableFuture();
      CompletableFuture<Decision> onLoop = exchange == null ? decided : onConnectionLoop(decided, exchange);
      return Mono.fromCompletionStage(onLoop).map(decision -> {
        Response response = route.response(decision);
        if (exchange != null && !response.getHeaders().isEmpty()) {
          keepOnCommit(exchange, response.getHeaders());
        }
        return response;
      });
    });
  }

  /**
   * The decision, completed on the event loop of the exchange's connection. A store that answers on its own I/O thread
   * (Redis: Lettuce's) would otherwise run the rest of the route there, the proxying and the response write included:
   * that holds up every Redis reply of the store, and a response written off the connection's loop lets the client's
   * next keep-alive request reach Reactor Netty before it has ended the exchange, which Reactor Netty 1.3.6 and 1.3.7
   * can answer by no longer reading the connection (reactor-netty issues 4347 and 4361).
   */
  private static CompletableFuture<Decision> onConnectionLoop(CompletableFuture<Decision> decided,
      ServerWebExchange exchange) {
    if (decided.isDone()) {
      return decided;
    }
    Object nativeRequest;
    try {
      nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
    } catch (IllegalArgumentException notAdapted) { // a request that adapts no server's request (a test's)
      return decided;
    }
    if (!(nativeRequest instanceof Connection connection)) {
      return decided;
    }
    EventLoop loop = connection.channel().eventLoop();
    return decided.whenCompleteAsync((decision, failure) -> { }, task -> {
      if (loop.inEventLoop()) {
        task.run();
        return;
      }
      try {
        loop.execute(task);
      } catch (RejectedExecutionException shutDown) { // the gateway is stopping: answer here rather than never
        task.run();
      }
    });
  }

  // The gateway's RequestRateLimiter filter adds the fields before the route runs; the routing filter then adds the
  // backend's headers (HttpHeaders.addAll), so a backend's RateLimit would stand next to ours and a client could not
  // tell which limit it describes. At commit, each name this limiter wrote gets exactly the values its decisions on
  // this exchange wrote (all of them: a route may have two RequestRateLimiter filters), and nothing else.
  private static void keepOnCommit(ServerWebExchange exchange, Map<String, String> fields) {
    @SuppressWarnings("unchecked")
    Map<String, List<String>> ours = (Map<String, List<String>>) exchange.getAttributes()
        .computeIfAbsent(FIELDS_ATTRIBUTE, attribute -> {
          Map<String, List<String>> created = new LinkedHashMap<>();
          exchange.getResponse().beforeCommit(() -> {
            HttpHeaders headers = exchange.getResponse().getHeaders();
            created.forEach(headers::put);
            return Mono.empty();
          });
          return created;
        });
    fields.forEach((name, value) -> ours.computeIfAbsent(name, n -> new ArrayList<>(1)).add(value));
  }

  private RouteLimit route(String routeId, @Nullable Config config) {
    Config source = config != null ? config : defaults;
    RouteLimit route = compiled.get(routeId);
    if (route != null && route.source == source) {
      return route;
    }
    RouteLimit fresh = compile(routeId, source);
    compiled.put(routeId, fresh);
    return fresh;
  }

  private RouteLimit compile(String routeId, Config config) {
    List<String> problems = new ArrayList<>();
    String where = "route " + routeId + ": " + CONFIGURATION_PROPERTY_NAME + ".";
    String limits = blankToNull(config.getLimits());
    String policyName = blankToNull(config.getPolicy());
    if (limits == null && policyName == null) {
      limits = blankToNull(defaults.getLimits());
      policyName = blankToNull(defaults.getPolicy());
    }
    LimitPolicy policy = null;
    RateLimiter limiter = null;
    SteppedRateLimiter<String> steps = null;
    String tierKeyText = blankToNull(config.getTierKey());
    if (limits != null && policyName != null) {
      problems.add(where + "limits=\"" + limits + "\" and " + CONFIGURATION_PROPERTY_NAME + ".policy=\""
          + policyName + "\" are both set; set limits for the route's own policy or policy to use a configured one");
    } else if (limits != null) {
      String ownName = blankToNull(config.getName());
      String name = ownName != null ? ownName.trim() : routeId;
      try {
        policy = LimitPolicy.of(name, limits);
      } catch (IllegalArgumentException e) {
        problems.add(where + "limits=\"" + limits + "\" (policy name \"" + name + "\"): " + e.getMessage());
      }
      if (policy != null) {
        LimitPolicy taken = registry.find(name).map(RateLimiter::policy).orElse(null);
        if (taken != null && !taken.equals(policy)) {
          problems.add(where + "limits=\"" + limits + "\": the policy name \"" + name + "\" is taken by the "
              + "configured policy " + taken + "; set " + CONFIGURATION_PROPERTY_NAME + ".name to another name, "
              + "or use " + CONFIGURATION_PROPERTY_NAME + ".policy=" + name);
        } else {
          limiter = taken != null ? registry.limiter(name)
              : RateLimiter.of(policy, registry.store(), registry.listener());
        }
      }
    } else if (policyName != null) {
      limiter = registry.find(policyName).orElse(null);
      if (limiter == null) {
        problems.add(where + "policy=\"" + policyName + "\" is no configured policy; known: " + registry.names());
      } else {
        policy = limiter.policy();
        SteppedLimiterRegistry.Entry entry = stepped != null ? stepped.find(policyName) : null;
        if (entry != null) {
          steps = entry.limiter();
          if (tierKeyText == null && entry.limiter().tiers().isPresent()) {
            tierKeyText = entry.parts().tierKey();
          }
        }
      }
    } else {
      problems.add(where + "limits is missing; set limits (e.g. 10/second; 1000/hour) or policy (a configured "
          + "policy) on the route, or a default under spring.cloud.gateway.server.webflux."
          + CONFIGURATION_PROPERTY_NAME);
    }
    long cost = 0;
    if (policy != null) {
      cost = config.getCost() != null ? config.getCost() : defaults.getCost() != null ? defaults.getCost()
          : policy.cost();
      if (cost < 1) {
        problems.add(where + "cost=" + cost + " must be at least 1");
      }
    }
    Function<ServerWebExchange, String> tierKey = null;
    if (tierKeyText != null) {
      if (steps == null || steps.tiers().isEmpty()) {
        problems.add(where + "tier-key=\"" + tierKeyText + "\" needs a policy with tiers (limiter.policies.<name>."
            + "tiers, named by " + CONFIGURATION_PROPERTY_NAME + ".policy)");
      } else {
        tierKey = tierKey(tierKeyText, where, problems);
      }
    }
    GatewayHeaderMode headers = config.getHeaders() != null ? config.getHeaders()
        : defaults.getHeaders() != null ? defaults.getHeaders() : GatewayHeaderMode.IETF;
    if (!problems.isEmpty()) {
      throw new RateLimitConfigException(problems);
    }
    // without a problem, either branch above found or made the limiter
    return new RouteLimit(config, Objects.requireNonNull(limiter, "limiter"), steps, cost, headers, tierKey,
        headerWriter);
  }

  private static @Nullable Function<ServerWebExchange, String> tierKey(String text, String where,
      List<String> problems) {
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith(TRUSTED_HEADER) && text.length() > TRUSTED_HEADER.length()) {
      String header = text.substring(TRUSTED_HEADER.length()).trim();
      return exchange -> exchange.getRequest().getHeaders().getFirst(header);
    }
    if (lower.startsWith(ATTRIBUTE) && text.length() > ATTRIBUTE.length()) {
      String attribute = text.substring(ATTRIBUTE.length()).trim();
      return exchange -> {
        Object value = exchange.getAttribute(attribute);
        return value != null ? value.toString() : null;
      };
    }
    problems.add(where + "tier-key=\"" + text + "\" is not a tier key of the gateway; use attribute:<name> (an "
        + "exchange attribute set by an earlier filter) or trusted:header:<name> (a header your gateway sets or "
        + "checks before this filter)");
    return null;
  }

  private static @Nullable String blankToNull(@Nullable String s) {
    return s == null || s.isBlank() ? null : s;
  }

  /** A route's compiled configuration. Immutable. */
  private static final class RouteLimit {
    final Config source;
    final RateLimiter limiter;
    final @Nullable SteppedRateLimiter<String> steps;
    final long cost;
    final GatewayHeaderMode headers;
    final @Nullable Function<ServerWebExchange, String> tierKey;
    final RateLimitHeaders.Writer writer;

    RouteLimit(Config source, RateLimiter limiter, @Nullable SteppedRateLimiter<String> steps, long cost,
        GatewayHeaderMode headers, @Nullable Function<ServerWebExchange, String> tierKey,
        RateLimitHeaders.Writer writer) {
      this.source = source;
      this.limiter = limiter;
      this.steps = steps;
      this.cost = cost;
      this.headers = headers;
      this.tierKey = tierKey;
      this.writer = writer;
    }

    CompletionStage<Decision> decide(String key, @Nullable String tier) {
      return steps != null ? steps.acquireAsync(key, tier, cost) : limiter.acquireAsync(key, cost);
    }

    Response response(Decision decision) {
      Map<String, String> fields = new LinkedHashMap<>();
      writer.write(List.of(decision), headers.limiterMode(), fields::put);
      Limit limit = decision.limit();
      if (headers == GatewayHeaderMode.GATEWAY && limit != null && !decision.unlimited()) {
        fields.put(REMAINING_HEADER, Long.toString(decision.remaining()));
        fields.put(REPLENISH_RATE_HEADER, Long.toString(
            (long) Math.floor(limit.permits() * 1_000_000_000d / limit.periodNanos())));
        fields.put(BURST_CAPACITY_HEADER, Long.toString(limit.burst()));
        fields.put(REQUESTED_TOKENS_HEADER, Long.toString(cost));
      }
      return new Response(decision.allowed(), fields);
    }
  }

  /**
   * A route's configuration, bound from its {@code RequestRateLimiter} arguments with the prefix
   * {@value #CONFIGURATION_PROPERTY_NAME}, or from {@code spring.cloud.gateway.server.webflux.limiter-rate-limiter.*}
   * for the defaults. Set either {@code limits} or {@code policy}. Not thread-safe (a bean the gateway binds once per
   * route load; the limiter never changes it).
   */
  public static class Config {

    /**
     * The route's own limits, in Limiter's rate grammar, e.g. 10/second; 1000/hour or 100/minute burst 20; decided
     * together, all or nothing.
     */
    private @Nullable String limits;

    /** The name of the route's own policy (the limits'): what clients see in RateLimit-Policy; default the route id. */
    private @Nullable String name;

    /**
     * A configured Limiter policy to use instead of limits (limiter.policies.<name>, a LimitPolicy bean), with its
     * step levels, tiers and penalty box. Routes naming the same policy share its buckets.
     */
    private @Nullable String policy;

    /** Permits each request takes; default the policy's cost. */
    private @Nullable Long cost;

    /** Which rate limit fields the responses carry: ietf (default), legacy, both, none, or gateway. */
    private @Nullable GatewayHeaderMode headers;

    /**
     * Where a request's tier comes from when the policy has tiers: attribute:<name> (an exchange attribute) or
     * trusted:header:<name>; default the policy's tier-key.
     */
    private @Nullable String tierKey;

    /** @return the inline limits, or null */
    public @Nullable String getLimits() {
      return limits;
    }

    /** @param limits the inline limits */
    public void setLimits(@Nullable String limits) {
      this.limits = limits;
    }

    /** @return the inline policy's name, or null for the route id */
    public @Nullable String getName() {
      return name;
    }

    /** @param name the inline policy's name */
    public void setName(@Nullable String name) {
      this.name = name;
    }

    /** @return the configured policy's name, or null */
    public @Nullable String getPolicy() {
      return policy;
    }

    /** @param policy the configured policy's name */
    public void setPolicy(@Nullable String policy) {
      this.policy = policy;
    }

    /** @return the permits per request, or null for the policy's cost */
    public @Nullable Long getCost() {
      return cost;
    }

    /** @param cost the permits per request */
    public void setCost(@Nullable Long cost) {
      this.cost = cost;
    }

    /** @return the header mode, or null for the default */
    public @Nullable GatewayHeaderMode getHeaders() {
      return headers;
    }

    /** @param headers the header mode */
    public void setHeaders(@Nullable GatewayHeaderMode headers) {
      this.headers = headers;
    }

    /** @return the tier key, or null for the policy's */
    public @Nullable String getTierKey() {
      return tierKey;
    }

    /** @param tierKey the tier key */
    public void setTierKey(@Nullable String tierKey) {
      this.tierKey = tierKey;
    }

    Config copy() {
      Config c = new Config();
      c.limits = limits;
      c.name = name;
      c.policy = policy;
      c.cost = cost;
      c.headers = headers;
      c.tierKey = tierKey;
      return c;
    }

    @Override
    public String toString() {
      return "Config{limits=" + limits + ", name=" + name + ", policy=" + policy + ", cost=" + cost + ", headers="
          + headers + ", tierKey=" + tierKey + "}";
    }
  }
}
