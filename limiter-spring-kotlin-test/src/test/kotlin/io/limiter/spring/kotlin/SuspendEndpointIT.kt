package io.limiter.spring.kotlin

import io.limiter.annotation.RateLimit
import io.limiter.core.RateLimitStore
import io.limiter.core.http.HeaderMode
import io.limiter.spring.EnableRateLimiting
import io.limiter.spring.RateLimitingConfigurer
import io.limiter.spring.webflux.RateLimitWebFluxExceptionHandler
import io.limiter.test.ManualTicker
import io.limiter.test.NonBlocking
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse
import java.time.Duration
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.yield
import org.assertj.core.api.Assertions.assertThat
import org.junit.jupiter.api.AfterAll
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.extension.ExtendWith
import org.springframework.context.annotation.AnnotationConfigApplicationContext
import org.springframework.context.annotation.Bean
import org.springframework.context.annotation.Configuration
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter
import org.springframework.web.bind.annotation.GetMapping
import org.springframework.web.bind.annotation.RequestParam
import org.springframework.web.bind.annotation.RestController
import org.springframework.web.reactive.config.EnableWebFlux
import org.springframework.web.server.adapter.WebHttpHandlerBuilder
import reactor.netty.http.server.HttpServer

/**
 * A WebFlux `suspend` endpoint under `@RateLimit` served by Reactor Netty on a free port, under the non-blocking
 * harness (BlockHound): the limit is decided on the event loop without a blocking call, the first two requests are
 * answered, the third gets 429 with `Retry-After`, the IETF fields and the problem body, as a `Mono` endpoint does.
 */
@ExtendWith(NonBlocking::class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SuspendEndpointIT {

  @RestController
  open class Quotes {
    @GetMapping("/quote")
    @RateLimit(value = "2/minute", name = "quote", key = "#symbol")
    open suspend fun quote(@RequestParam symbol: String): String {
      yield() // suspends, so the answer is written from the resumed coroutine
      return "quote $symbol"
    }
  }

  @Configuration(proxyBeanMethods = false)
  @EnableWebFlux
  @EnableRateLimiting(proxyTargetClass = true)
  open class App : RateLimitingConfigurer {
    override fun store(): RateLimitStore = RateLimitStore.builder().ticker(ManualTicker()).buildInMemory()

    @Bean
    open fun quotes(): Quotes = Quotes()

    @Bean
    open fun rateLimitExceptionHandler(): RateLimitWebFluxExceptionHandler =
        RateLimitWebFluxExceptionHandler(HeaderMode.IETF)
  }

  private val context = AnnotationConfigApplicationContext(App::class.java).also {
    // Spring calls a suspend function through kotlin-reflect, which reads its metadata extensions with a
    // ServiceLoader (a jar read) on its first call in the JVM: made here, on the test thread, not on an event loop
    runBlocking { it.getBean(Quotes::class.java).quote("warm-up") }
  }
  private val server = HttpServer.create().host("127.0.0.1").port(0)
      .handle(ReactorHttpHandlerAdapter(WebHttpHandlerBuilder.applicationContext(context).build()))
      .bindNow(Duration.ofSeconds(60))
  private val client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build()

  @AfterAll
  fun stop() {
    server.disposeNow(Duration.ofSeconds(30))
    context.close()
  }

  private fun get(path: String): HttpResponse<String> = client.send(
      HttpRequest.newBuilder(URI.create("http://127.0.0.1:${server.port()}$path")).timeout(Duration.ofSeconds(60))
          .build(), HttpResponse.BodyHandlers.ofString())

  @Test
  fun twoRequestsAreAnsweredAndTheThirdGets429WithTheFieldsAndAProblem() {
    assertThat(get("/quote?symbol=ACME").body()).isEqualTo("quote ACME")
    assertThat(get("/quote?symbol=ACME").statusCode()).isEqualTo(200)
    val rejected = get("/quote?symbol=ACME")
    assertThat(rejected.statusCode()).isEqualTo(429)
    assertThat(rejected.headers().firstValue("Retry-After")).hasValue("30")
    assertThat(rejected.headers().firstValue("RateLimit-Policy")).hasValue("\"quote\";q=2;w=60")
    assertThat(rejected.headers().firstValue("RateLimit")).hasValue("\"quote\";r=0;t=30")
    assertThat(rejected.headers().firstValue("Content-Type")).hasValue("application/problem+json")
    assertThat(rejected.body()).contains("\"status\":429").contains("\"violated-policies\":[\"quote\"]")
    assertThat(get("/quote?symbol=OTHER").statusCode()).`as`("another key").isEqualTo(200)
  }
}
