package io.limiter.servlet.internal;

import io.limiter.core.step.StepController;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.Writer;
import java.util.Collection;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Feeds the built-in health signals of step controllers (latency, error ratio, in-flight calls) with an admitted
 * request: {@link StepController#callStarted()} before the chain,
 * {@link StepController#callFinished(long, boolean, String, long)} when the response is done. An asynchronous
 * request is done when its {@link AsyncContext} completes, errs or times out, not when the first dispatch returns.
 *
 * <p>What clients cannot steer: the signals measure the server's own work. The request and response are wrapped so
 * that the time spent blocked on the client (reading its body, writing to it, reading form parameters and parts) is
 * left out of the latency; a client that hangs up (an {@link IOException} reading from or writing to it) is not a
 * failure, nor is any 4xx. A call fails when the chain throws for another reason or the status is 5xx. Each call is
 * attributed to its client, so the controller can set aside the one client with the most slow or failed calls.
 */
final class HealthFeed implements AsyncListener {

  private final List<StepController> controllers;
  private final List<String> clients;
  private final long[] tokens;
  private final HttpServletResponse response;
  private final ClientIo io = new ClientIo();
  private final AtomicBoolean finished = new AtomicBoolean();

  private HealthFeed(List<StepController> controllers, List<String> clients, HttpServletResponse response) {
    this.controllers = controllers;
    this.clients = clients;
    this.response = response;
    this.tokens = new long[controllers.size()];
    for (int i = 0; i < tokens.length; i++) {
      tokens[i] = controllers.get(i).callStarted();
    }
  }

  /**
   * Runs the chain, feeding the controllers.
   *
   * @param controllers the controllers of the policies that admitted the request
   * @param clients for each controller, who made the call (see {@link StepController#callFinished})
   */
  static void run(List<StepController> controllers, List<String> clients, HttpServletRequest request,
      HttpServletResponse response, FilterChain chain) throws IOException, ServletException {
    HealthFeed feed = new HealthFeed(controllers, clients, response);
    TimedResponse timedResponse = new TimedResponse(response, feed.io);
    TimedRequest timedRequest = new TimedRequest(request, feed.io, timedResponse);
    boolean threw = true;
    try {
      chain.doFilter(timedRequest, timedResponse);
      threw = false;
    } finally {
      if (!threw && request.isAsyncStarted()) {
        request.getAsyncContext().addListener(feed);
      } else {
        feed.finish(threw || response.getStatus() >= 500);
      }
    }
  }

  private void finish(boolean failed) {
    // complete, error and timeout may all fire for one request; count it once
    if (finished.compareAndSet(false, true)) {
      boolean serverFailed = failed && !io.aborted;
      long waited = io.waitedNanos.get();
      for (int i = 0; i < tokens.length; i++) {
        controllers.get(i).callFinished(tokens[i], serverFailed, clients.get(i), waited);
      }
    }
  }

  @Override
  public void onComplete(AsyncEvent event) {
    finish(response.getStatus() >= 500);
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    // not decided here: an application may answer its own timeout (a long poll's "no news" 204); one that does not
    // gets the container's 500, and onComplete, which always follows, judges by the status either way
  }

  @Override
  public void onError(AsyncEvent event) {
    finish(true);
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
    // a new async cycle of the same request: this listener must be added again to hear its end
    event.getAsyncContext().addListener(this);
  }

  /** Time blocked on the client's I/O, and whether that I/O failed (the client hung up). Thread-safe. */
  static final class ClientIo {
    final AtomicLong waitedNanos = new AtomicLong();
    volatile boolean aborted;

    long start() {
      return System.nanoTime();
    }

    void end(long start) {
      waitedNanos.addAndGet(System.nanoTime() - start);
    }

    IOException failed(IOException e) {
      aborted = true;
      return e;
    }
  }

  /** Times the reads of the request body and form data. */
  static final class TimedRequest extends HttpServletRequestWrapper {
    private final ClientIo io;
    private final TimedResponse response;
    private @Nullable ServletInputStream in;
    private @Nullable BufferedReader reader;

    TimedRequest(HttpServletRequest request, ClientIo io, TimedResponse response) {
      super(request);
      this.io = io;
      this.response = response;
    }

    @Override
    public ServletInputStream getInputStream() throws IOException {
      if (in == null) {
        in = new TimedInputStream(super.getInputStream(), io);
      }
      return in;
    }

    @Override
    public BufferedReader getReader() throws IOException {
      if (reader == null) {
        reader = new BufferedReader(new TimedReader(super.getReader(), io));
      }
      return reader;
    }

    @Override
    public String getParameter(String name) {
      long t = io.start();
      try {
        return super.getParameter(name);
      } finally {
        io.end(t);
      }
    }

    @Override
    public Map<String, String[]> getParameterMap() {
      long t = io.start();
      try {
        return super.getParameterMap();
      } finally {
        io.end(t);
      }
    }

    @Override
    public Enumeration<String> getParameterNames() {
      long t = io.start();
      try {
        return super.getParameterNames();
      } finally {
        io.end(t);
      }
    }

    @Override
    public String[] getParameterValues(String name) {
      long t = io.start();
      try {
        return super.getParameterValues(name);
      } finally {
        io.end(t);
      }
    }

    @Override
    public Collection<Part> getParts() throws IOException, ServletException {
      long t = io.start();
      try {
        return super.getParts();
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public Part getPart(String name) throws IOException, ServletException {
      long t = io.start();
      try {
        return super.getPart(name);
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public AsyncContext startAsync() {
      // keep the timed request and response for the asynchronous part, where most of the writing happens
      return super.startAsync(this, response);
    }
  }

  /** Times the writes (and flushes) of the response. */
  static final class TimedResponse extends HttpServletResponseWrapper {
    private final ClientIo io;
    private @Nullable ServletOutputStream out;
    private @Nullable PrintWriter writer;

    TimedResponse(HttpServletResponse response, ClientIo io) {
      super(response);
      this.io = io;
    }

    @Override
    public ServletOutputStream getOutputStream() throws IOException {
      if (out == null) {
        out = new TimedOutputStream(super.getOutputStream(), io);
      }
      return out;
    }

    @Override
    public PrintWriter getWriter() throws IOException {
      if (writer == null) {
        // the container's writer reports a failed write through checkError(), not an exception: timing only
        writer = new PrintWriter(new TimedWriter(super.getWriter(), io), false);
      }
      return writer;
    }

    @Override
    public void flushBuffer() throws IOException {
      if (writer != null) {
        writer.flush();
      }
      long t = io.start();
      try {
        super.flushBuffer();
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }
  }

  private static final class TimedInputStream extends ServletInputStream {
    private final ServletInputStream in;
    private final ClientIo io;

    TimedInputStream(ServletInputStream in, ClientIo io) {
      this.in = in;
      this.io = io;
    }

    @Override
    public int read() throws IOException {
      long t = io.start();
      try {
        return in.read();
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      long t = io.start();
      try {
        return in.read(b, off, len);
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public int available() throws IOException {
      return in.available();
    }

    @Override
    public void close() throws IOException {
      in.close();
    }

    @Override
    public boolean isFinished() {
      return in.isFinished();
    }

    @Override
    public boolean isReady() {
      return in.isReady();
    }

    @Override
    public void setReadListener(ReadListener listener) {
      in.setReadListener(listener);
    }
  }

  private static final class TimedOutputStream extends ServletOutputStream {
    private final ServletOutputStream out;
    private final ClientIo io;

    TimedOutputStream(ServletOutputStream out, ClientIo io) {
      this.out = out;
      this.io = io;
    }

    @Override
    public void write(int b) throws IOException {
      long t = io.start();
      try {
        out.write(b);
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      long t = io.start();
      try {
        out.write(b, off, len);
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public void flush() throws IOException {
      long t = io.start();
      try {
        out.flush();
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public void close() throws IOException {
      long t = io.start();
      try {
        out.close();
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public boolean isReady() {
      return out.isReady();
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      out.setWriteListener(listener);
    }
  }

  private static final class TimedReader extends Reader {
    private final Reader in;
    private final ClientIo io;

    TimedReader(Reader in, ClientIo io) {
      this.in = in;
      this.io = io;
    }

    @Override
    public int read(char[] buffer, int off, int len) throws IOException {
      long t = io.start();
      try {
        return in.read(buffer, off, len);
      } catch (IOException e) {
        throw io.failed(e);
      } finally {
        io.end(t);
      }
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }

  private static final class TimedWriter extends Writer {
    private final PrintWriter out;
    private final ClientIo io;

    TimedWriter(PrintWriter out, ClientIo io) {
      this.out = out;
      this.io = io;
    }

    @Override
    public void write(char[] buffer, int off, int len) {
      long t = io.start();
      try {
        out.write(buffer, off, len);
      } finally {
        io.end(t);
      }
    }

    @Override
    public void write(String str, int off, int len) {
      long t = io.start();
      try {
        out.write(str, off, len);
      } finally {
        io.end(t);
      }
    }

    @Override
    public void flush() {
      long t = io.start();
      try {
        out.flush();
      } finally {
        io.end(t);
      }
    }

    @Override
    public void close() {
      long t = io.start();
      try {
        out.close();
      } finally {
        io.end(t);
      }
    }
  }
}
