/**
 * Spring Boot auto-configuration of the gateway rate limiter; active only when Spring Cloud Gateway (server,
 * WebFlux) is on the class path.
 */
@NullMarked
package io.limiter.gateway.boot;

import org.jspecify.annotations.NullMarked;
