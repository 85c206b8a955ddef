/**
 * The one settings model that every configuration front-end reads into: servlet init-parameters (and their
 * {@code config-file}), Spring Boot's {@code limiter.*} properties and {@code @RateLimit} attributes. A front-end
 * turns what the user wrote into {@link io.limiter.core.settings.Setting}s named in one vocabulary (the names of
 * {@link io.limiter.core.settings.PolicySettings}), each with where it came from; the model reads and checks them,
 * listing every problem with its source. Framework-free, so that every integration can use it.
 */
@NullMarked
package io.limiter.core.settings;

import org.jspecify.annotations.NullMarked;
