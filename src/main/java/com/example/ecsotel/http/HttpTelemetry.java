package com.example.ecsotel.http;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientMetrics;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanNameExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanStatusExtractor;
import java.net.http.HttpResponse;

/**
 * Builds the HTTP server and client instrumenters from the maintained semantic-convention pieces
 * of opentelemetry-instrumentation-api: span names ({@code GET /orders/{id}}), attributes, status
 * (5xx is an error on SERVER spans, 4xx is not) and the {@code http.*.request.duration} histograms
 * with the semconv bucket advice.
 */
final class HttpTelemetry {
  static final String INSTRUMENTATION_NAME = "com.example.ecsotel.http";

  private HttpTelemetry() {}

  /**
   * {@code enabled=false} (OTEL_SDK_DISABLED=true): a disabled Instrumenter answers shouldStart with false
   * before anything else (instrumentation-api 2.31.1), so no attributes are extracted, no span is started and
   * no metric is recorded; on the no-op API an enabled one would still do the first and the bookkeeping.
   */
  static Instrumenter<ServerRequest, Integer> server(OpenTelemetry openTelemetry, boolean enabled) {
    ServerAttributesGetter getter = ServerAttributesGetter.INSTANCE;
    return Instrumenter.<ServerRequest, Integer>builder(
            openTelemetry, INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
        .setEnabled(enabled)
        .setSpanStatusExtractor(HttpSpanStatusExtractor.create(getter))
        .addAttributesExtractor(HttpServerAttributesExtractor.create(getter))
        // http.server.request.duration as HttpServerMetrics records it, without its per-request merge (see there).
        .addOperationMetrics(ServerDurations::create)
        .buildServerInstrumenter(getter);
  }

  static Instrumenter<ClientRequest, HttpResponse<?>> client(OpenTelemetry openTelemetry, boolean enabled) {
    ClientAttributesGetter getter = ClientAttributesGetter.INSTANCE;
    return Instrumenter.<ClientRequest, HttpResponse<?>>builder(
            openTelemetry, INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
        .setEnabled(enabled)
        .setSpanStatusExtractor(HttpSpanStatusExtractor.create(getter))
        .addAttributesExtractor(HttpClientAttributesExtractor.create(getter))
        .addOperationMetrics(HttpClientMetrics.get())
        .buildClientInstrumenter(ClientAttributesGetter.INSTANCE);
  }
}
