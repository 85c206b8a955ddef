/** Extension points of the Spring integration: where request-based keys come from, and how the store is instrumented. */
@NullMarked
package io.limiter.spring.spi;

import org.jspecify.annotations.NullMarked;
