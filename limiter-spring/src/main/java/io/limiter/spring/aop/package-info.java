/**
 * The {@code @RateLimit} interception: {@link io.limiter.spring.aop.RateLimitAspectSupport}, the one engine, and two
 * thin adapters over it, {@link io.limiter.spring.aop.RateLimitInterceptor} for Spring AOP proxies and
 * {@link io.limiter.spring.aop.RateLimitAspect}, an AspectJ-annotation-style aspect for AspectJ weaving (compile-time
 * or load-time, with or without Spring) and {@code AspectJProxyFactory}.
 */
@NullMarked
package io.limiter.spring.aop;

import org.jspecify.annotations.NullMarked;
