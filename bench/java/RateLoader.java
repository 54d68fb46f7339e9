import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop, fixed-rate HTTP/1.1 load generator with coordinated-omission correction (the wrk2
 * model; wrk2 is not packaged in Debian). Request i is due at start + i / rate. A fixed set of
 * keep-alive connections, one platform thread each, take the next due request from a shared ticket
 * counter, wait until it is due, send it and read the response. Latency is measured from the DUE
 * time, not the send time, so a server stall that makes requests queue behind busy connections is
 * charged to every request that should have been sent meanwhile.
 *
 * <p>Loopback only: the host must be 127.0.0.1, ::1 or localhost. Bounded: at most rate*duration
 * requests, and every thread stops at duration + 10 s whatever happens.
 *
 * <p>Usage: RateLoader URL RATE DURATION_SECONDS CONNECTIONS [WARMUP_SECONDS]. The warm-up runs
 * at the same rate just before the measured window and is not recorded (it lets the loader's own
 * JIT settle). Prints one JSON object on stdout.
 */
public final class RateLoader {
  private static final long NO_VALUE = Long.MIN_VALUE;

  public static void main(String[] args) throws Exception {
    if (args.length != 4 && args.length != 5) {
      System.err.println("usage: RateLoader URL RATE DURATION_SECONDS CONNECTIONS [WARMUP_SECONDS]");
      System.exit(2);
    }
    java.net.URI uri = java.net.URI.create(args[0]);
    String host = uri.getHost();
    if (!("127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host) || "::1".equals(host))) {
      throw new IllegalArgumentException("loopback targets only, got " + host);
    }
    int port = uri.getPort() < 0 ? 80 : uri.getPort();
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    double rate = Double.parseDouble(args[1]);
    double duration = Double.parseDouble(args[2]);
    int connections = Integer.parseInt(args[3]);
    double warmup = args.length == 5 ? Double.parseDouble(args[4]) : 0;
    if (warmup < 0 || warmup > 120) {
      throw new IllegalArgumentException("warm-up [0,120] s");
    }
    if (rate <= 0 || rate > 200_000 || duration <= 0 || duration > 600 || connections < 1 || connections > 256) {
      throw new IllegalArgumentException("rate (0,200000], duration (0,600] s, connections [1,256]");
    }
    int skip = (int) Math.round(rate * warmup);
    int total = skip + (int) Math.round(rate * duration);
    long periodNanos = Math.round(1e9 / rate);
    byte[] request =
        ("GET " + path + " HTTP/1.1\r\nHost: " + host + ":" + port + "\r\nUser-Agent: bench-rateloader\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII);

    AtomicLong tickets = new AtomicLong();
    long[] latency = new long[total]; // due -> response complete, ns; NO_VALUE when not completed
    long[] service = new long[total]; // send -> response complete, ns
    Arrays.fill(latency, NO_VALUE);
    AtomicLongArray statusCounts = new AtomicLongArray(6); // 0: io error, 1..5: 1xx..5xx
    AtomicLong lateSends = new AtomicLong(); // sent > 1 ms after due (loader or server backlog)
    AtomicLong reconnects = new AtomicLong();
    AtomicLong warmupDone = new AtomicLong(); // completed warm-up requests (they still make spans)

    long start = System.nanoTime() + 50_000_000L; // 50 ms to let threads connect
    long measureStart = start + skip * periodNanos;
    long hardStop = start + (long) ((warmup + duration) * 1e9) + 10_000_000_000L;
    Thread[] threads = new Thread[connections];
    for (int t = 0; t < connections; t++) {
      threads[t] =
          new Thread(
              () -> {
                Conn conn = null;
                while (true) {
                  long i = tickets.getAndIncrement();
                  if (i >= total) {
                    break;
                  }
                  long due = start + i * periodNanos;
                  long now;
                  while ((now = System.nanoTime()) < due) {
                    long wait = due - now;
                    if (wait > 200_000) {
                      LockSupport.parkNanos(wait - 100_000);
                    } else {
                      Thread.onSpinWait();
                    }
                  }
                  if (now > hardStop) {
                    break;
                  }
                  boolean record = i >= skip;
                  if (record && now - due > 1_000_000) {
                    lateSends.incrementAndGet();
                  }
                  try {
                    if (conn == null) {
                      conn = new Conn(host, port);
                      reconnects.incrementAndGet();
                    }
                    long sent = System.nanoTime();
                    int status = conn.exchange(request);
                    long end = System.nanoTime();
                    if (record) {
                      latency[(int) i] = end - due;
                      service[(int) i] = end - sent;
                      statusCounts.incrementAndGet(Math.min(5, Math.max(1, status / 100)));
                    } else {
                      warmupDone.incrementAndGet();
                    }
                    if (conn.mustClose) {
                      conn.close();
                      conn = null;
                    }
                  } catch (IOException e) {
                    if (record) {
                      statusCounts.incrementAndGet(0);
                    }
                    if (conn != null) {
                      conn.close();
                    }
                    conn = null;
                  }
                }
                if (conn != null) {
                  conn.close();
                }
              },
              "loader-" + t);
      threads[t].setDaemon(true);
      threads[t].start();
    }
    for (Thread thread : threads) {
      thread.join(Math.max(1, (hardStop - System.nanoTime()) / 1_000_000 + 1000));
    }
    long elapsed = System.nanoTime() - measureStart;

    long[] done = Arrays.stream(latency).filter(v -> v != NO_VALUE).sorted().toArray();
    long[] svc = new long[done.length];
    int k = 0;
    for (int i = 0; i < total; i++) {
      if (latency[i] != NO_VALUE) {
        svc[k++] = service[i];
      }
    }
    Arrays.sort(svc);
    StringBuilder json = new StringBuilder("{");
    json.append(String.format(Locale.ROOT, "\"target_rate\": %.1f, ", rate));
    json.append(String.format(Locale.ROOT, "\"duration_s\": %.3f, ", elapsed / 1e9));
    json.append("\"scheduled\": ").append(total - skip).append(", ");
    json.append("\"warmup_completed\": ").append(warmupDone.get()).append(", ");
    json.append("\"completed\": ").append(done.length).append(", ");
    json.append(String.format(Locale.ROOT, "\"achieved_rate\": %.1f, ", done.length / (elapsed / 1e9)));
    json.append("\"io_errors\": ").append(statusCounts.get(0)).append(", ");
    json.append("\"status_2xx\": ").append(statusCounts.get(2)).append(", ");
    json.append("\"status_other\": ")
        .append(statusCounts.get(1) + statusCounts.get(3) + statusCounts.get(4) + statusCounts.get(5))
        .append(", ");
    json.append("\"late_sends\": ").append(lateSends.get()).append(", ");
    json.append("\"connections_opened\": ").append(reconnects.get()).append(", ");
    json.append("\"latency_ms\": ").append(percentiles(done)).append(", ");
    json.append("\"service_time_ms\": ").append(percentiles(svc));
    json.append("}");
    System.out.println(json);
  }

  private static String percentiles(long[] sorted) {
    if (sorted.length == 0) {
      return "null";
    }
    double[] ps = {50, 90, 95, 99, 99.9};
    String[] names = {"p50", "p90", "p95", "p99", "p999"};
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i < ps.length; i++) {
      int idx = (int) Math.ceil(ps[i] / 100.0 * sorted.length) - 1;
      idx = Math.max(0, Math.min(sorted.length - 1, idx));
      sb.append(String.format(Locale.ROOT, "\"%s\": %.3f, ", names[i], sorted[idx] / 1e6));
    }
    long sum = 0;
    for (long v : sorted) {
      sum += v;
    }
    sb.append(String.format(Locale.ROOT, "\"mean\": %.3f, ", sum / 1e6 / sorted.length));
    sb.append(String.format(Locale.ROOT, "\"max\": %.3f}", sorted[sorted.length - 1] / 1e6));
    return sb.toString();
  }

  /** One keep-alive HTTP/1.1 connection; understands Content-Length and chunked bodies. */
  private static final class Conn {
    final Socket socket;
    final OutputStream out;
    final InputStream in;
    boolean mustClose;

    Conn(String host, int port) throws IOException {
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(5_000);
      socket.connect(new InetSocketAddress(host.replace("[", "").replace("]", ""), port), 2_000);
      out = socket.getOutputStream();
      in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
    }

    int exchange(byte[] request) throws IOException {
      out.write(request);
      out.flush();
      String statusLine = readLine();
      if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
        throw new IOException("bad status line: " + statusLine);
      }
      int status = Integer.parseInt(statusLine.substring(9, 12));
      long contentLength = -1;
      boolean chunked = false;
      mustClose = statusLine.startsWith("HTTP/1.0");
      String line;
      while ((line = readLine()) != null && !line.isEmpty()) {
        int colon = line.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        switch (name) {
          case "content-length" -> contentLength = Long.parseLong(value);
          case "transfer-encoding" -> chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
          case "connection" -> mustClose = value.equalsIgnoreCase("close");
          default -> {}
        }
      }
      if (line == null) {
        throw new IOException("eof in headers");
      }
      if (chunked) {
        while (true) {
          String sizeLine = readLine();
          if (sizeLine == null) {
            throw new IOException("eof in chunk size");
          }
          int semi = sizeLine.indexOf(';');
          long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
          if (size == 0) {
            while ((line = readLine()) != null && !line.isEmpty()) {
              // trailers
            }
            break;
          }
          skip(size);
          readLine();
        }
      } else if (contentLength >= 0) {
        skip(contentLength);
      } else if (status >= 200 && status != 204 && status != 304) {
        // No length: body runs to EOF.
        while (in.read() >= 0) {
          // drain
        }
        mustClose = true;
      }
      return status;
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        long s = in.skip(n);
        if (s <= 0) {
          if (in.read() < 0) {
            throw new IOException("eof in body");
          }
          s = 1;
        }
        n -= s;
      }
    }

    private String readLine() throws IOException {
      StringBuilder sb = new StringBuilder(64);
      int c;
      while ((c = in.read()) >= 0) {
        if (c == '\n') {
          int len = sb.length();
          if (len > 0 && sb.charAt(len - 1) == '\r') {
            sb.setLength(len - 1);
          }
          return sb.toString();
        }
        sb.append((char) c);
      }
      return sb.length() == 0 ? null : sb.toString();
    }

    void close() {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }
}
