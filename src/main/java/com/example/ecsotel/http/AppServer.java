package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.SampleAppMetrics;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** The JDK {@link HttpServer} on virtual threads, with a bounded, graceful stop. */
public final class AppServer {
  static {
    // Bound slow clients (slowloris) and oversized header blocks inside the JDK server itself. Read
    // once when the JDK server classes initialise, so set before the first HttpServer is created.
    setIfAbsent("sun.net.httpserver.maxReqTime", "30");
    setIfAbsent("sun.net.httpserver.maxRspTime", "60");
    setIfAbsent("sun.net.httpserver.maxReqHeaders", "100");
    setIfAbsent("sun.net.httpserver.maxReqHeaderSize", "65536");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final AccessLog accessLog;

  private AppServer(HttpServer server, ExecutorService executor, AccessLog accessLog) {
    this.server = server;
    this.executor = executor;
    this.accessLog = accessLog;
  }

  public static AppServer start(
      InetSocketAddress address,
      Router router,
      OpenTelemetry openTelemetry,
      SampleAppMetrics metrics,
      int maxConcurrentRequests,
      boolean rejectInvalidTraceHeaders,
      boolean traced)
      throws IOException {
    return start(address, router, openTelemetry, metrics, maxConcurrentRequests, rejectInvalidTraceHeaders, traced,
        null);
  }

  /** {@code accessLogOut}: where every request's line goes, at INFO; null: stdout at the {@code request} logger's level. */
  public static AppServer start(
      InetSocketAddress address,
      Router router,
      OpenTelemetry openTelemetry,
      SampleAppMetrics metrics,
      int maxConcurrentRequests,
      boolean rejectInvalidTraceHeaders,
      boolean traced,
      PrintStream accessLogOut)
      throws IOException {
    Objects.requireNonNull(address, "address");
    var instrumenter = HttpTelemetry.server(Objects.requireNonNull(openTelemetry, "openTelemetry"), traced);
    var judge = new TraceHeaderJudge(metrics, rejectInvalidTraceHeaders, traced);
    HttpServer server = HttpServer.create(address, 0); // before the access log: a taken port starts no thread
    // As simplelogger.properties: awslogs ships stdout.
    AccessLog accessLog = accessLogOut == null ? AccessLog.toStdout() : new AccessLog(accessLogOut, true);
    try {
      Dispatcher dispatcher =
          new Dispatcher(router, instrumenter, openTelemetry.getPropagators().getTextMapPropagator(), metrics,
              maxConcurrentRequests, judge, accessLog);
      ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
      server.createContext("/", dispatcher);
      server.setExecutor(executor);
      server.start();
      return new AppServer(server, executor, accessLog);
    } catch (RuntimeException | Error e) {
      accessLog.close(Duration.ZERO); // no writer thread left behind by a failed start
      server.stop(0);
      throw e;
    }
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /**
   * Stops accepting connections at once, lets in-flight exchanges finish for up to {@code grace}, waits up
   * to {@code executorWait} for handler threads, then returns. The JDK server only takes whole seconds, so
   * the grace is rounded up.
   */
  public void stop(Duration grace, Duration executorWait) {
    int seconds = (int) Math.min(Integer.MAX_VALUE, (grace.toMillis() + 999) / 1000);
    server.stop(seconds);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(executorWait.toMillis(), TimeUnit.MILLISECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * Writes the access log's queued lines within {@code bound} and returns how many were left unwritten (stdout
   * blocked). Called after the SDK's flush: a blocked stdout can then cost log lines, never spans.
   */
  public int closeAccessLog(Duration bound) {
    return accessLog.close(bound);
  }

  private static void setIfAbsent(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
