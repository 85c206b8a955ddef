/** Extension points of the Spring integration: where request-based keys come from. */
package io.limiter.spring.spi;
