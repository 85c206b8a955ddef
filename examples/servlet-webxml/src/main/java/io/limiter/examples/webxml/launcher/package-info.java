/** Runs the example WAR in an embedded Jetty 12; not packaged into the WAR. */
package io.limiter.examples.webxml.launcher;
