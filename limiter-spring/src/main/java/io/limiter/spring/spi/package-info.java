/** Extension points of the Spring integration: where request-based keys come from, and how the store is instrumented. */
package io.limiter.spring.spi;
