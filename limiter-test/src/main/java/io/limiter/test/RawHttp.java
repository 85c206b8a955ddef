package io.limiter.test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * Sends one HTTP/1.1 request with a request target exactly as given, byte for byte: {@code java.net.http} refuses
 * most of the spellings the path suites need (backslashes, bare {@code %}, control characters). Each request uses its
 * own connection ({@code Connection: close}). Used by the path and forgery suites of every web filter
 * ({@link WebFilterCases}). Thread-safe: no shared state.
 */
public final class RawHttp {

  private RawHttp() {
  }

  /**
   * The status code and body of one response.
   *
   * @param status the status code
   * @param body the body as received (ISO-8859-1; a chunked body keeps its chunk lines)
   */
  public record Response(int status, String body) {
  }

  /**
   * @param host the server's address literal, e.g. {@code 127.0.0.1} or {@code ::1}
   * @param port its port
   * @param target the request target as it goes on the wire (ISO-8859-1: each char one byte)
   * @param headers name, value, name, value...
   * @return the response
   */
  public static Response get(String host, int port, String target, String... headers) {
    StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
    request.append("Host: ").append(host.indexOf(':') >= 0 ? "[" + host + "]" : host).append(':').append(port)
        .append("\r\nConnection: close\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      request.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    request.append("\r\n");
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), 10_000);
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      for (int n; (n = in.read(buffer)) >= 0; ) {
        all.write(buffer, 0, n);
      }
      String text = all.toString(StandardCharsets.ISO_8859_1);
      if (!text.startsWith("HTTP/1.1 ") || text.length() < 12) {
        throw new IllegalStateException("not an HTTP response to " + target + ": " + text);
      }
      int bodyStart = text.indexOf("\r\n\r\n");
      return new Response(Integer.parseInt(text.substring(9, 12)), bodyStart < 0 ? "" : text.substring(bodyStart + 4));
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + target + " failed", e);
    }
  }
}
