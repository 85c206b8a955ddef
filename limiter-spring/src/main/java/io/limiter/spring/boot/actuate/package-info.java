/** The {@code ratelimits} actuator endpoint: configured policies, their limits and the methods that use them. */
@NullMarked
package io.limiter.spring.boot.actuate;

import org.jspecify.annotations.NullMarked;
