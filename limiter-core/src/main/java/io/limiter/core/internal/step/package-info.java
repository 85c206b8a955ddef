/**
 * Implementation of step-function throttling: the stepped limiter's table of precomputed store views, the parsers of
 * the configuration strings, and the built-in health signals (a fixed-bucket latency histogram, error and in-flight
 * counters, gauges). Not API: other modules must not use it.
 */
package io.limiter.core.internal.step;
