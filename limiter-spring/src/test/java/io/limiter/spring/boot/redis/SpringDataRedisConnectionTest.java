package io.limiter.spring.boot.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisURI;
import io.limiter.spring.boot.redis.SpringDataRedisConnection.Mode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** spring.data.redis.* read as Spring Boot's Lettuce configuration reads them. */
class SpringDataRedisConnectionTest {

  private final List<String> problems = new ArrayList<>();

  private SpringDataRedisConnection read(String... pairs) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : pairs) {
      int eq = pair.indexOf('=');
      map.put(pair.substring(0, eq), pair.substring(eq + 1));
    }
    return SpringDataRedisConnection.read(new Binder(new MapConfigurationPropertySource(map)), problems);
  }

  @Test
  void nothingSetMeansLocalhost6379LikeBoot() {
    SpringDataRedisConnection c = read();
    assertThat(c.configured()).isFalse();
    assertThat(c.mode()).isEqualTo(Mode.STANDALONE);
    assertThat(c.uri().getHost()).isEqualTo("localhost");
    assertThat(c.uri().getPort()).isEqualTo(6379);
    assertThat(c.uri().getDatabase()).isZero();
    assertThat(c.uri().getPassword()).isNull();
    assertThat(c.connectTimeout()).isNull();
    assertThat(problems).isEmpty();
  }

  @Test
  void hostPortDatabaseCredentialsSslAndClientName() {
    SpringDataRedisConnection c = read("spring.data.redis.host=redis.internal", "spring.data.redis.port=6380",
        "spring.data.redis.database=4", "spring.data.redis.username=app", "spring.data.redis.password=s3cret",
        "spring.data.redis.ssl.enabled=true", "spring.data.redis.client-name=orders",
        "spring.data.redis.connect-timeout=250ms", "spring.data.redis.timeout=5s");
    RedisURI uri = c.uri();
    assertThat(c.configured()).isTrue();
    assertThat(uri.getHost()).isEqualTo("redis.internal");
    assertThat(uri.getPort()).isEqualTo(6380);
    assertThat(uri.getDatabase()).isEqualTo(4);
    assertThat(uri.getUsername()).isEqualTo("app");
    assertThat(new String(uri.getPassword())).isEqualTo("s3cret");
    assertThat(uri.isSsl()).isTrue();
    assertThat(uri.getClientName()).isEqualTo("orders");
    assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(250));
    assertThat(problems).isEmpty();
  }

  @Test
  void urlOverridesHostPortCredentialsAndDatabase() {
    SpringDataRedisConnection c = read("spring.data.redis.url=rediss://user:pw@cache.example:7000/2",
        "spring.data.redis.host=ignored", "spring.data.redis.port=1", "spring.data.redis.password=ignored",
        "spring.data.redis.database=9");
    RedisURI uri = c.uri();
    assertThat(uri.getHost()).isEqualTo("cache.example");
    assertThat(uri.getPort()).isEqualTo(7000);
    assertThat(uri.getDatabase()).isEqualTo(2);
    assertThat(uri.getUsername()).isEqualTo("user");
    assertThat(new String(uri.getPassword())).isEqualTo("pw");
    assertThat(uri.isSsl()).as("rediss:// means TLS").isTrue();
    assertThat(problems).isEmpty();
  }

  @Test
  void sentinelWithItsOwnCredentialsAndTheMastersPassword() {
    SpringDataRedisConnection c = read("spring.data.redis.sentinel.master=mymaster",
        "spring.data.redis.sentinel.nodes=10.0.0.1:26379, [::1]:26380",
        "spring.data.redis.sentinel.password=sentinel-pw", "spring.data.redis.password=master-pw",
        "spring.data.redis.database=1");
    assertThat(c.mode()).isEqualTo(Mode.SENTINEL);
    RedisURI uri = c.uri();
    assertThat(uri.getSentinelMasterId()).isEqualTo("mymaster");
    assertThat(uri.getSentinels()).extracting(RedisURI::getHost).containsExactly("10.0.0.1", "::1");
    assertThat(uri.getSentinels()).extracting(RedisURI::getPort).containsExactly(26379, 26380);
    assertThat(new String(uri.getSentinels().get(0).getPassword())).isEqualTo("sentinel-pw");
    assertThat(new String(uri.getPassword())).isEqualTo("master-pw");
    assertThat(uri.getDatabase()).isEqualTo(1);
    assertThat(problems).isEmpty();
  }

  @Test
  void clusterNodesGetTheCredentialsAndSsl() {
    SpringDataRedisConnection c = read("spring.data.redis.cluster.nodes[0]=10.0.0.1:7000",
        "spring.data.redis.cluster.nodes[1]=10.0.0.2:7001", "spring.data.redis.password=pw",
        "spring.data.redis.ssl.enabled=true");
    assertThat(c.mode()).isEqualTo(Mode.CLUSTER);
    assertThat(c.uri()).isNull();
    assertThat(c.clusterNodes()).extracting(RedisURI::getHost).containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(c.clusterNodes()).extracting(RedisURI::getPort).containsExactly(7000, 7001);
    assertThat(c.clusterNodes()).allSatisfy(node -> {
      assertThat(new String(node.getPassword())).isEqualTo("pw");
      assertThat(node.isSsl()).isTrue();
    });
    assertThat(problems).isEmpty();
  }

  @Test
  void everyProblemNamesItsPropertyAndNoPasswordIsShown() {
    read("spring.data.redis.url=http://user:topsecret@host:1", "spring.data.redis.port=70000",
        "spring.data.redis.database=-1", "spring.data.redis.ssl.bundle=corp", "spring.data.redis.ssl.enabled=false",
        "spring.data.redis.connect-timeout=soon");
    read("spring.data.redis.sentinel.nodes=sentinel-without-port", "spring.data.redis.sentinel.password=pw");
    read("spring.data.redis.cluster.nodes=a:1,b:notaport,c:0");
    assertThat(problems).hasSize(9);
    assertThat(String.join("\n", problems)).doesNotContain("topsecret");
    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.url=\"http://***@host:1\": "
        + "must start with redis:// or rediss://"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.port=70000: must be between 1 and 65535"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.database=-1: must be >= 0"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.ssl.bundle=\"corp\" is set but "
            + "spring.data.redis.ssl.enabled=false"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.connect-timeout=\"soon\": cannot be read"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.sentinel.master is missing"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.sentinel.nodes[0]=\"sentinel-without-port\": "
            + "expected host:port"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.cluster.nodes[1]=\"b:notaport\": the port "
            + "must be a number"))
        .anySatisfy(p -> assertThat(p).startsWith("spring.data.redis.cluster.nodes[2]=\"c:0\""));
  }

  @Test
  void passwordsInUrlsAreMasked() {
    assertThat(SpringDataRedisConnection.mask("redis://:pw@h:1 and rediss://u:p@h2")).isEqualTo(
        "redis://***@h:1 and rediss://***@h2");
  }
}
