package com.example.ecsotel.http;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Traced outgoing GETs with the JDK {@link HttpClient}: one CLIENT span per call and the configured
 * propagators' headers (traceparent, baggage, X-Amzn-Trace-Id) on the wire.
 */
public final class OutgoingHttp implements AutoCloseable {
  private final HttpClient client;
  private final Instrumenter<ClientRequest, HttpResponse<?>> instrumenter;
  private final TextMapPropagator propagator;
  private final Duration timeout;

  public OutgoingHttp(OpenTelemetry openTelemetry, Duration timeout) {
    this(openTelemetry, timeout, true);
  }

  /**
   * {@code traced=false}: OTEL_SDK_DISABLED=true, no CLIENT span, no attributes, no metrics; the configured
   * propagators still put the caller's trace context on the wire (none with the no-op API: {@code none}).
   */
  public OutgoingHttp(OpenTelemetry openTelemetry, Duration timeout, boolean traced) {
    this.timeout = Objects.requireNonNull(timeout, "timeout");
    this.instrumenter = HttpTelemetry.client(Objects.requireNonNull(openTelemetry, "openTelemetry"), traced);
    this.propagator = openTelemetry.getPropagators().getTextMapPropagator();
    this.client =
        HttpClient.newBuilder()
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  /** GETs {@code uri} and returns the status code; the body is read and discarded. */
  public int get(URI uri, Map<String, String> extraHeaders) throws IOException, InterruptedException {
    ClientRequest request = new ClientRequest(uri);
    request.headers().putAll(extraHeaders);
    Context parent = Context.current();
    if (!instrumenter.shouldStart(parent, request)) {
      propagator.inject(parent, request, ClientAttributesGetter.INSTANCE); // the caller's context, unchanged
      return send(request).statusCode();
    }
    Context context = instrumenter.start(parent, request);
    HttpResponse<?> response = null;
    Throwable error = null;
    try (Scope ignored = context.makeCurrent()) {
      response = send(request);
      return response.statusCode();
    } catch (IOException | InterruptedException | RuntimeException e) {
      error = e;
      throw e;
    } finally {
      instrumenter.end(context, request, response, error);
    }
  }

  /**
   * Stops the client's selector thread and connection pool. Called after the server has drained, so no
   * handler still uses it; anything left is cancelled rather than waited for (the stop has a budget).
   */
  @Override
  public void close() {
    client.shutdownNow();
  }

  /** True once {@link #close()} has stopped the client (its selector thread has ended). */
  public boolean isClosed() {
    return client.isTerminated();
  }

  private HttpResponse<Void> send(ClientRequest request) throws IOException, InterruptedException {
    HttpRequest.Builder builder = HttpRequest.newBuilder(request.uri()).timeout(timeout).GET();
    request.headers().forEach(builder::header);
    return client.send(builder.build(), HttpResponse.BodyHandlers.discarding());
  }
}
