package io.limiter.bench.overload;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One run of one contender: starts embedded Jetty on a free loopback port with the {@link SimulatedService} on
 * {@code /work} behind the contender's filter and plays the schedule against it with {@link LoadDriver}, which
 * switches the service's capacity at the phase boundaries. Not thread-safe: one run at a time.
 */
public final class OverloadRun {

  private OverloadRun() {
  }

  /**
   * Runs one contender.
   *
   * @param contender who
   * @param settings what it is tuned to
   * @param curve the scenario
   * @param arrivals the schedule drawn from it
   * @param service the service model (its capacity is switched by the run)
   * @param maxInFlight the most outstanding requests
   * @return the recording
   * @throws Exception if Jetty cannot start
   */
  public static LoadDriver.Recording run(Contender contender, Contender.Settings settings, LoadCurve curve,
      List<LoadCurve.Arrival> arrivals, SimulatedService service, int maxInFlight) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(maxInFlight + 64, 16);
    threads.setName("overload-" + contender.name());
    Server server = new Server(threads);
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(1024);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(service), "/work");
    LoadDriver.StepRecorder steps = new LoadDriver.StepRecorder();
    Filter filter = contender.filter().create(settings, steps);
    if (filter != null) {
      context.addFilter(new FilterHolder(filter), "/*", EnumSet.of(DispatcherType.REQUEST));
    }
    server.setHandler(context);
    service.capacity(1.0);
    server.start();
    try {
      URI uri = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/work");
      return LoadDriver.drive(contender.name(), uri, curve, arrivals, service::capacity, maxInFlight, steps);
    } finally {
      server.stop();
      service.capacity(1.0);
    }
  }

}
