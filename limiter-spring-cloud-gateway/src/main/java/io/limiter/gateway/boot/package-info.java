/**
 * Spring Boot auto-configuration of the gateway rate limiter; active only when Spring Cloud Gateway (server,
 * WebFlux) is on the class path.
 */
package io.limiter.gateway.boot;
