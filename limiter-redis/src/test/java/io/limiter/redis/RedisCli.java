package io.limiter.redis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Sends one command over a short-lived plain connection and returns the reply as text: what {@code redis-cli} does,
 * without needing it. Used to administer servers whose users the tests restrict, and sentinels. Replies: simple
 * strings and bulk strings as they are, errors as {@code -ERR ...}, integers as digits, arrays as their elements one
 * per line, nil as an empty string. Stateless and thread-safe.
 */
public final class RedisCli {

  private RedisCli() {
  }

  /**
   * @param port the loopback port
   * @param password the default user's password, or null
   * @param args the command and its arguments
   * @return the reply as text
   */
  public static String command(int port, String password, List<String> args) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      InputStream in = new BufferedInputStream(s.getInputStream());
      if (password != null) {
        write(out, List.of("AUTH", password));
        String auth = read(in);
        if (!auth.equals("OK")) {
          throw new IllegalStateException("AUTH on port " + port + " failed: " + auth);
        }
      }
      write(out, args);
      return read(in);
    } catch (IOException e) {
      throw new IllegalStateException("cannot send " + args.get(0) + " to port " + port + ": " + e, e);
    }
  }

  /** @see #command(int, String, List) */
  public static String command(int port, String... args) {
    return command(port, null, List.of(args));
  }

  private static void write(OutputStream out, List<String> args) throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    buffer.writeBytes(("*" + args.size() + "\r\n").getBytes(StandardCharsets.US_ASCII));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buffer.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
      buffer.writeBytes(bytes);
      buffer.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.write(buffer.toByteArray());
    out.flush();
  }

  private static String read(InputStream in) throws IOException {
    String line = line(in);
    char type = line.charAt(0);
    String rest = line.substring(1);
    switch (type) {
      case '+':
      case ':':
        return rest;
      case '-':
        return line;
      case '$': {
        int length = Integer.parseInt(rest);
        if (length < 0) {
          return "";
        }
        byte[] data = in.readNBytes(length + 2);
        return new String(data, 0, length, StandardCharsets.UTF_8);
      }
      case '*': {
        int count = Integer.parseInt(rest);
        List<String> items = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          items.add(read(in));
        }
        return String.join("\n", items);
      }
      default:
        throw new IOException("unexpected reply " + line);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed after " + line);
      }
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.UTF_8);
      }
      line.write(b);
      previous = b;
    }
  }
}
