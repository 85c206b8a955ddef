/** The {@code ratelimits} actuator endpoint: configured policies, their limits and the methods that use them. */
package io.limiter.spring.boot.actuate;
