package com.example.ecsotel;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A loopback-only HTTP server for tests: records every request and answers per path. Stands in for
 * the outgoing target, S3, the X-Ray sampling API and an OTLP/HTTP receiver.
 */
public final class StubServer implements AutoCloseable {
  /** One recorded request. */
  public record Recorded(String method, String path, Headers headers, byte[] body) {}

  /** Produces the response for a request. */
  @FunctionalInterface
  public interface Responder {
    Reply reply(Recorded request) throws Exception;
  }

  /** A canned response. */
  public record Reply(int status, String contentType, byte[] body) {
    public static Reply text(int status, String contentType, String body) {
      return new Reply(status, contentType, body.getBytes(StandardCharsets.UTF_8));
    }
  }

  private final HttpServer server;
  private final List<Recorded> requests = new CopyOnWriteArrayList<>();
  private final Map<String, Responder> responders = new ConcurrentHashMap<>();

  private StubServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  public static StubServer start() throws IOException {
    return new StubServer();
  }

  public StubServer on(String path, Responder responder) {
    responders.put(path, responder);
    return this;
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  public List<Recorded> requests() {
    return List.copyOf(requests);
  }

  public List<Recorded> requests(String path) {
    return requests.stream().filter(r -> r.path().equals(path)).toList();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Recorded recorded =
          new Recorded(exchange.getRequestMethod(), exchange.getRequestURI().getPath(), exchange.getRequestHeaders(), body);
      requests.add(recorded);
      Responder responder = responders.get(recorded.path());
      Reply reply;
      try {
        reply = responder == null ? Reply.text(200, "text/plain", "ok") : responder.reply(recorded);
      } catch (Exception e) {
        reply = Reply.text(500, "text/plain", e.toString());
      }
      exchange.getResponseHeaders().set("Content-Type", reply.contentType());
      exchange.sendResponseHeaders(reply.status(), reply.body().length == 0 ? -1 : reply.body().length);
      if (reply.body().length > 0) {
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(reply.body());
        }
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
