/** Rate limited code woven by AspectJ at compile time, without Spring. */
package io.limiter.examples.aspectj;
