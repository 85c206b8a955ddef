package io.limiter.spring.kotlin

import io.limiter.annotation.RateLimit
import io.limiter.core.RateLimitConfigException
import io.limiter.core.RateLimitExceededException
import io.limiter.core.RateLimitStore
import io.limiter.core.RateLimiterRegistry
import io.limiter.core.http.HeaderMode
import io.limiter.spring.EnableRateLimiting
import io.limiter.spring.RateLimitFallback
import io.limiter.spring.RateLimitingConfigurer
import io.limiter.spring.aop.RateLimitAspectSupport
import io.limiter.spring.webflux.RateLimitWebFluxExceptionHandler
import io.limiter.test.ManualTicker
import java.time.Duration
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger
import kotlinx.coroutines.async
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flowOf
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.reactor.awaitSingle
import kotlinx.coroutines.reactor.mono
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.assertj.core.api.Assertions.assertThatThrownBy
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import org.springframework.aop.support.AopUtils
import org.springframework.context.annotation.AnnotationConfigApplicationContext
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import org.springframework.http.HttpStatus
import org.springframework.test.web.reactive.server.WebTestClient
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.RequestParam
import org.springframework.web.bind.annotation.RestController

/**
 * `@RateLimit` on Kotlin `suspend` functions in a Spring context with `@EnableRateLimiting`, on a stopped clock: the
 * Spring AOP proxy adapts each call to a `Mono`, which the limiter decides at subscription (when the coroutine makes
 * the call) through the store's asynchronous path; a rejection is thrown from the call, or replaced by the fallback's
 * result.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SuspendRateLimitTest {

  /** Suspend functions of a plain bean, counting how often their bodies ran. */
  open class Greetings {
    open val runs = AtomicInteger() // open: read through the proxy

    @RateLimit(value = "2/minute", name = "greet", key = "#user")
    open suspend fun greet(user: String): String {
      yield() // really suspends: the result comes back through the continuation
      runs.incrementAndGet()
      return "hello $user"
    }

    @RateLimit(value = "2/minute", name = "notify", key = "#user")
    open suspend fun notify(user: String) {
      runs.incrementAndGet()
    }

    /** A suspend function returning a Flow: the call returns the Flow at once, limited when it is collected. */
    @RateLimit(value = "2/minute", name = "numbers", key = "#user")
    open suspend fun numbers(user: String): Flow<Int> {
      runs.incrementAndGet()
      return flowOf(1, 2, 3)
    }

    @RateLimit(value = "2/minute", name = "outcome", key = "#user", chargeOn = "5xx")
    open suspend fun chargedOnOutcome(user: String): String = user

    // tag::suspend[]
    @RateLimit(value = "1/minute", name = "quote", key = "#symbol")
    @RateLimitFallback("cachedQuote")
    open suspend fun quote(symbol: String): String = "fresh $symbol"

    suspend fun cachedQuote(symbol: String, e: RateLimitExceededException): String =
        "cached $symbol, retry in ${e.decision().retryAfter().toSeconds()} s"
    // end::suspend[]
  }

  /** A WebFlux endpoint that is a suspend function. */
  @RestController
  open class Api {
    @GetMapping("/hello")
    @RateLimit(value = "1/minute", name = "api", key = "#user")
    open suspend fun hello(@RequestParam user: String): String = "hello $user"
  }

  @Configuration(proxyBeanMethods = false)
  @EnableRateLimiting(proxyTargetClass = true)
  open class Config : RateLimitingConfigurer {
    override fun store(): RateLimitStore = STORE

    @Bean
    open fun greetings(): Greetings = Greetings()

    @Bean
    open fun api(): Api = Api()
  }

  companion object {
    val TICKER = ManualTicker()
    val STORE = AsyncCountingStore(RateLimitStore.builder().ticker(TICKER).buildInMemory())
  }

  private val context = AnnotationConfigApplicationContext(Config::class.java)
  private val greetings = context.getBean(Greetings::class.java)

  @AfterAll
  fun close() {
    context.close()
  }

  @Test
  fun theBeanIsAProxy() {
    assertThat(AopUtils.isAopProxy(greetings)).isTrue()
  }

  @Test
  fun twoCallsAreAdmittedAndTheThirdThrows() = runBlocking<Unit> {
    assertThat(greetings.greet("ann")).isEqualTo("hello ann")
    assertThat(greetings.greet("ann")).isEqualTo("hello ann")
    assertThatThrownBy { runBlocking { greetings.greet("ann") } }
        .isInstanceOfSatisfying(RateLimitExceededException::class.java) {
          assertThat(it.decision().policy().name()).isEqualTo("greet")
          assertThat(it.decision().retryAfter()).isEqualTo(Duration.ofSeconds(30))
        }
    assertThat(greetings.greet("bob")).`as`("another key").isEqualTo("hello bob")
  }

  @Test
  fun aFunctionReturningUnitIsLimitedAlike() = runBlocking<Unit> {
    val before = greetings.runs.get()
    greetings.notify("uma")
    greetings.notify("uma")
    assertThatThrownBy { runBlocking { greetings.notify("uma") } }
        .isInstanceOf(RateLimitExceededException::class.java)
    assertThat(greetings.runs.get() - before).`as`("a rejected call never runs the body").isEqualTo(2)
  }

  @Test
  fun nothingIsDecidedBeforeTheCoroutineMakesTheCall() {
    val runs = greetings.runs.get()
    val decisions = STORE.async.get()
    val first = mono { greetings.greet("cat") }
    val second = mono { greetings.greet("cat") }
    val third = mono { greetings.greet("cat") }
    assertThat(STORE.async.get()).`as`("decisions before any call runs").isEqualTo(decisions)
    assertThat(greetings.runs.get()).isEqualTo(runs)
    assertThat(third.block()).isEqualTo("hello cat")
    assertThat(first.block()).isEqualTo("hello cat")
    assertThatThrownBy { second.block() }.isInstanceOf(RateLimitExceededException::class.java)
    assertThat(greetings.runs.get() - runs).isEqualTo(2)
  }

  @Test
  fun eachCallDecidesThroughTheStoresAsynchronousPath() = runBlocking<Unit> {
    val blocking = STORE.blocking.get()
    val async = STORE.async.get()
    greetings.greet("dan")
    greetings.greet("dan")
    runCatching { greetings.greet("dan") }
    assertThat(STORE.async.get() - async).isEqualTo(3)
    assertThat(STORE.blocking.get() - blocking).`as`("blocking decisions").isZero()
  }

  @Test
  fun theCallerSuspendsOnAPendingDecisionWithoutBlockingItsThread() {
    STORE.hold = true
    try {
      // one thread runs both the call and the answer to its decision: a call that blocked would never return
      runBlocking {
        val call = async { greetings.greet("eve") }
        while (STORE.pendingCount() == 0) {
          yield()
        }
        assertThat(call.isActive).`as`("the call waits for its decision").isTrue()
        STORE.hold = false
        STORE.release()
        assertThat(call.await()).isEqualTo("hello eve")
      }
    } finally {
      STORE.hold = false
      STORE.release()
    }
  }

  @Test
  fun aFlowIsLimitedWhenCollected() = runBlocking<Unit> {
    val runs = greetings.runs.get()
    val third = greetings.numbers("fay")
    assertThat(greetings.numbers("fay").toList()).containsExactly(1, 2, 3)
    assertThat(greetings.numbers("fay").toList()).containsExactly(1, 2, 3)
    assertThat(greetings.runs.get() - runs).`as`("not run before collected").isEqualTo(2)
    assertThatThrownBy { runBlocking { third.toList() } }.isInstanceOf(RateLimitExceededException::class.java)
  }

  @Test
  fun chargeOnOutcomeFailsTheCallAsOnAMono() {
    assertThatThrownBy { runBlocking { greetings.chargedOnOutcome("gus") } }
        .isInstanceOf(RateLimitConfigException::class.java)
        .hasMessageContaining("chargeOn and actualCost are not supported")
  }

  @Test
  fun theFallbacksResultReplacesTheRejection() = runBlocking<Unit> {
    assertThat(greetings.quote("ACME")).isEqualTo("fresh ACME")
    assertThat(greetings.quote("ACME")).isEqualTo("cached ACME, retry in 60 s")
    assertThat(mono { greetings.quote("ACME") }.awaitSingle()).isEqualTo("cached ACME, retry in 60 s")
  }

  @Test
  fun aWebFluxSuspendEndpointAnswers429WithTheFieldsAndAProblem() {
    val client = WebTestClient.bindToController(context.getBean(Api::class.java))
        .controllerAdvice(RateLimitWebFluxExceptionHandler(HeaderMode.IETF)).build()
    client.get().uri("/hello?user=ivy").exchange()
        .expectStatus().isOk()
        .expectBody(String::class.java).isEqualTo("hello ivy")
    client.get().uri("/hello?user=ivy").exchange()
        .expectStatus().isEqualTo(HttpStatus.TOO_MANY_REQUESTS)
        .expectHeader().valueEquals("Retry-After", "60")
        .expectHeader().valueEquals("RateLimit-Policy", "\"api\";q=1;w=60")
        .expectHeader().valueEquals("RateLimit", "\"api\";r=0;t=60")
        .expectHeader().contentType("application/problem+json")
        .expectBody().jsonPath("$.status").isEqualTo(429).jsonPath("$['violated-policies'][0]").isEqualTo("api")
  }

  /** A fallback that is not a suspend function, or returns another type, fails validation naming both. */
  open class WrongFallbacks {
    @RateLimit("1/minute")
    @RateLimitFallback("notSuspending")
    open suspend fun a(id: String): String = id

    fun notSuspending(id: String, e: RateLimitExceededException): String = id

    @RateLimit("1/minute")
    @RateLimitFallback("otherType")
    open suspend fun b(id: String): String = id

    suspend fun otherType(id: String, e: RateLimitExceededException): Int = 0
  }

  @Test
  fun aMismatchingFallbackFailsValidation() {
    val support = RateLimitAspectSupport.builder().registry(RateLimiterRegistry.builder().build()).build()
    assertThatThrownBy { support.validate(WrongFallbacks::class.java) }
        .isInstanceOf(RateLimitConfigException::class.java)
        .hasMessageContaining("@RateLimitFallback(\"notSuspending\") of SuspendRateLimitTest.WrongFallbacks.a(")
        .hasMessageContaining("no suspend function notSuspending(String, RateLimitExceededException)")
        .hasMessageContaining("SuspendRateLimitTest.WrongFallbacks.otherType(")
        .hasMessageContaining("which is not assignable to String")
  }

  @Test
  fun underAspectJWeavingASuspendFunctionFailsValidation() {
    val woven = RateLimitAspectSupport.builder().registry(RateLimiterRegistry.builder().build()).proxyMode(false)
        .build()
    assertThatThrownBy { woven.validate(Greetings::class.java) }
        .isInstanceOf(RateLimitConfigException::class.java)
        .hasMessageContaining("@RateLimit on suspend function SuspendRateLimitTest.Greetings.greet(")
        .hasMessageContaining("AspectJ weaving does not")
  }
}
