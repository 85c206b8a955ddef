/**
 * Benchmarks of Limiter against Bucket4j, Resilience4j, Guava and a single-{@code AtomicLong} GCRA: JMH benchmarks
 * (one key, contended key, many keys), a memory footprint probe, HTTP and Redis load drivers, and the generator of
 * {@code docs/benchmarks.md}. Not published; uses only Limiter's public API.
 */
package io.limiter.bench;
