package com.example.standins;

import static java.util.Objects.requireNonNull;

import com.example.standins.admin.AdminApi;
import com.example.standins.admin.FaultInjector;
import com.example.standins.admin.StandinStats;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.logging.Logger;

/**
 * One stand-in on one port: plain JDK HttpServer, one virtual thread per request, the admin API under /admin, the
 * fault injector in front of the service routes, and one log line per request.
 */
public final class StandinServer implements AutoCloseable {
  /** Remote-write and segment batches are small; anything bigger is a client bug, not something to buffer. */
  static final int MAX_BODY_BYTES = 32 * 1024 * 1024;

  private static final Logger LOG = Logger.getLogger(StandinServer.class.getName());

  private final Standin standin;
  private final StandinStats stats = StandinStats.create();
  private final FaultInjector faults = FaultInjector.create();
  private final AdminApi admin;
  private final HttpServer server;
  private final ExecutorService executor;

  private StandinServer(Standin standin, HttpServer server) {
    this.standin = standin;
    this.server = server;
    this.admin = AdminApi.create(standin, stats, faults);
    this.executor = Executors.newVirtualThreadPerTaskExecutor();
    server.setExecutor(executor);
    server.createContext("/", this::exchange);
  }

  /** Binds (port 0 picks a free port) and starts serving. */
  public static StandinServer start(Standin standin, String bindAddress, int port) throws IOException {
    requireNonNull(standin, "standin");
    HttpServer server = HttpServer.create(new InetSocketAddress(requireNonNull(bindAddress, "bindAddress"), port), 128);
    StandinServer s = new StandinServer(standin, server);
    server.start();
    return s;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String baseUrl() {
    return "http://" + server.getAddress().getHostString() + ":" + port();
  }

  public StandinStats stats() {
    return stats;
  }

  public FaultInjector faults() {
    return faults;
  }

  public Standin standin() {
    return standin;
  }

  private void exchange(HttpExchange exchange) throws IOException {
    String path = exchange.getRequestURI().getRawPath();
    Reply reply;
    try (exchange) {
      try {
        reply = route(exchange, path);
      } catch (BodyTooLargeException e) {
        reply = Reply.awsJsonError(413, "RequestEntityTooLarge", e.getMessage(), "body_too_large");
      } catch (RuntimeException e) {
        // A stand-in bug must be visible as such, not look like a backend verdict.
        reply = Reply.awsJsonError(500, "InternalFailure", String.valueOf(e), "internal_error");
        LOG.log(java.util.logging.Level.WARNING, "stand-in failure on " + path, e);
      }
      if (!path.startsWith("/admin")) {
        stats.recordRequest(exchange.getRequestMethod() + " " + routeKey(path), reply.status(), reply.outcome());
      }
      System.out.printf(
          "%s %s %s %d %s%s%n",
          standin.name(),
          exchange.getRequestMethod(),
          path,
          reply.status(),
          reply.outcome(),
          reply.detail().isEmpty() ? "" : " (" + reply.detail() + ")");
      reply.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
      // -1 means "no body"; 0 would mean chunked encoding with an empty body.
      boolean noBody = exchange.getRequestMethod().equals("HEAD") || reply.status() == 204
          || reply.body().length == 0;
      exchange.sendResponseHeaders(reply.status(), noBody ? -1 : reply.body().length);
      if (!noBody) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(reply.body());
        }
      }
    }
  }

  private Reply route(HttpExchange exchange, String path) throws IOException {
    byte[] body = readBody(exchange.getRequestBody());
    Request request = new Request(
        exchange.getRequestMethod(),
        path,
        exchange.getRequestURI().getRawQuery(),
        exchange.getRequestHeaders(),
        body);
    if (path.equals("/admin") || path.startsWith("/admin/")) {
      if (!exchange.getRemoteAddress().getAddress().isLoopbackAddress()) {
        return Reply.awsJsonError(403, "AccessDenied", "admin API is loopback-only", "admin.not_loopback");
      }
      return admin.handle(request);
    }
    switch (faults.mode()) {
      case UNAVAILABLE_503 -> {
        return standin.faultReply(503);
      }
      case THROTTLED_429 -> {
        return standin.faultReply(429);
      }
      case SLOW -> sleep(faults.slowMillis());
      case OK -> {}
    }
    return standin.handle(request, stats);
  }

  /** Collapses ids in paths (/workspaces/ws-1/..., /v4/abc/...) so the accepted-request keys stay few. */
  private static String routeKey(String path) {
    return path.replaceAll("^/workspaces/[^/]+", "/workspaces/{id}").replaceAll("^/v4/[^/]+", "/v4/{id}");
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
    if (body.length > MAX_BODY_BYTES) {
      throw new BodyTooLargeException("request body exceeds " + MAX_BODY_BYTES + " bytes");
    }
    return body;
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private static final class BodyTooLargeException extends RuntimeException {
    BodyTooLargeException(String message) {
      super(message);
    }
  }
}
