/**
 * Spring Cloud's {@code EnvironmentChangeEvent} (a Spring Cloud Config or Kubernetes config map refresh) re-applies
 * {@code limiter.*}: used only when spring-cloud-context is on the class path.
 */
@NullMarked
package io.limiter.spring.boot.cloud;

import org.jspecify.annotations.NullMarked;
