/** A Spring Boot application rate limited with {@code @RateLimit} and a URL rule from application.properties. */
package io.limiter.examples.springboot;
