package com.example.ecsotel.http;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One line per request on stdout, exactly as slf4j-simple wrote it before ({@code 2026-12-06T09:10:00.123Z INFO
 * request - GET /orders/42 route=… AWS-XRAY-TRACE-ID: 1-…@…}, with simplelogger.properties' date format), without
 * what slf4j-simple 2.0 does per line: a SimpleDateFormat behind a lock, and {@code println} plus {@code flush}
 * inside a process-wide lock, i.e. one write system call per request with every request thread queued behind it.
 * Request threads hand the line to a lock-free queue; one writer thread writes what has queued in batches
 * (one write and flush per batch, at most {@link #PARK_NANOS} later; with nothing queued it parks until a line
 * comes, so an idle JVM pays no wake-ups). When the queue is full (stdout blocked,
 * e.g. a blocking awslogs driver) a request thread writes its line itself, as before: back-pressure, no lost
 * line. {@link #close(Duration)} lets the writer write everything queued, within a bound and never on the caller's
 * thread (a blocked stdout must not hold the SIGTERM path); the {@code request} logger's level (read at start) still
 * switches it off.
 */
final class AccessLog {
  private static final Logger logger = LoggerFactory.getLogger("request");
  static final int MAX_QUEUED = 8192;
  private static final long PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
  private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.");
  private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("XXX");
  private static final String NEWLINE = System.lineSeparator();

  /** The timestamp's text around the milliseconds, for one epoch second (formatted once per second). */
  private record Stamp(long second, String prefix, String offset) {}

  private final PrintStream out;
  private final boolean enabled;
  private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicLong ownWrites = new AtomicLong(); // back-pressure only: touched when the queue is full
  private final Thread writer;
  private volatile boolean closed;
  private volatile boolean idle; // the writer is (about to be) parked without a timeout: wake it on the next line
  private volatile Stamp stamp = new Stamp(Long.MIN_VALUE, "", "");

  /** Writes to stdout when the {@code request} logger is at INFO (slf4j-simple fixes levels at start). */
  static AccessLog toStdout() {
    return new AccessLog(System.out, logger.isInfoEnabled());
  }

  AccessLog(PrintStream out, boolean enabled) {
    this.out = Objects.requireNonNull(out, "out");
    this.enabled = enabled;
    this.writer = Thread.ofPlatform().daemon().name("access-log").start(this::drain);
  }

  /**
   * The request's line; {@code xrayTraceId} ({@code 1-…}) and {@code spanId} name the server span as {@code
   * 1-…@spanId}, the X-Ray SDKs' log form; both null when the request was not traced.
   */
  void log(String method, String path, String route, int status, long millis, long bytes, String xrayTraceId,
      String spanId) {
    if (!enabled) {
      return;
    }
    StringBuilder line = new StringBuilder(192);
    appendTimestamp(line, System.currentTimeMillis());
    line.append(" INFO request - ").append(method).append(' ').append(path).append(" route=").append(route)
        .append(" status=").append(status).append(" duration_ms=").append(millis).append(" bytes=").append(bytes)
        .append(" AWS-XRAY-TRACE-ID: ");
    if (xrayTraceId == null) {
      line.append('-');
    } else {
      line.append(xrayTraceId).append('@').append(spanId);
    }
    String text = line.toString();
    if (closed) {
      writeOwn(text);
      return;
    }
    if (queued.incrementAndGet() > MAX_QUEUED) {
      queued.decrementAndGet();
      ownWrites.incrementAndGet();
      writeOwn(text); // back-pressure: the request thread waits for stdout, as with slf4j-simple
      return;
    }
    queue.add(text);
    if (idle) {
      LockSupport.unpark(writer);
    }
    if (closed) {
      // close() ran between the check above and the add: the writer may have made its last poll, so write what
      // is left here (on a request thread; poll hands each line to one thread only).
      writeLeftovers();
    }
  }

  private void writeOwn(String text) {
    out.println(text); // PrintStream locks per call: the line stays whole
    out.flush();
  }

  private void writeLeftovers() {
    for (String line; (line = queue.poll()) != null; ) {
      queued.decrementAndGet();
      out.println(line);
    }
    out.flush();
  }

  /** Appends {@code epochMillis} as simplelogger.properties' {@code yyyy-MM-dd'T'HH:mm:ss.SSSXXX}. */
  void appendTimestamp(StringBuilder to, long epochMillis) {
    long second = Math.floorDiv(epochMillis, 1000L);
    Stamp s = stamp;
    if (s.second() != second) {
      ZonedDateTime at = Instant.ofEpochSecond(second).atZone(ZoneId.systemDefault());
      s = new Stamp(second, SECOND.format(at), OFFSET.format(at));
      stamp = s; // racing threads compute the same value
    }
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    to.append(s.prefix()).append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10))
        .append((char) ('0' + millis % 10)).append(s.offset());
  }

  private void drain() {
    StringBuilder batch = new StringBuilder(16 * 1024);
    while (true) {
      boolean last = closed; // read before polling: what was queued before close() is written
      String line;
      int lines = 0;
      while ((line = queue.poll()) != null) {
        lines++;
        queued.decrementAndGet();
        batch.append(line).append(NEWLINE);
        if (batch.length() >= 16 * 1024) {
          write(batch);
        }
      }
      write(batch);
      if (last) {
        return;
      }
      if (lines > 0) {
        LockSupport.parkNanos(this, PARK_NANOS); // lines are coming: let the next batch gather
        continue;
      }
      // Nothing came: park until a line does (no wake-ups on an idle JVM). idle is set before queued is read and
      // a line is counted in queued before idle is read, so either this sees the line or its thread sees idle.
      idle = true;
      if (queued.get() == 0 && !closed) {
        LockSupport.park(this);
      }
      idle = false;
    }
  }

  /** How many lines request threads wrote themselves because the queue was full. For tests. */
  long ownWrites() {
    return ownWrites.get();
  }

  /** The writer's state: WAITING (parked until a line comes) on an idle JVM. For tests. */
  Thread.State writerState() {
    return writer.getState();
  }

  private void write(StringBuilder batch) {
    if (!batch.isEmpty()) {
      out.print(batch);
      out.flush();
      batch.setLength(0);
    }
  }

  /**
   * Lets the writer write every queued line and end, waiting at most {@code bound}; from then on request threads
   * write their own line. Never writes on the caller's thread: with stdout blocked the writer holds the stream's
   * lock, and the caller (the SIGTERM path) must not queue behind it. Returns how many lines were still queued when
   * the bound ran out (0 when the writer finished).
   */
  int close(Duration bound) {
    closed = true;
    LockSupport.unpark(writer);
    try {
      writer.join(bound);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return writer.isAlive() ? Math.max(0, queued.get()) : 0;
  }
}
