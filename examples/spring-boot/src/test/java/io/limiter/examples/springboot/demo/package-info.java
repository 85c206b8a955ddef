/**
 * The step-function throttling demonstration: {@link io.limiter.examples.springboot.demo.StepDemo} starts the example
 * (or connects to a running one), pushes rising then falling load at {@code GET /work} and writes a timeline CSV and a
 * PNG chart of offered load, admitted rate, latency and the controller's level.
 */
package io.limiter.examples.springboot.demo;
