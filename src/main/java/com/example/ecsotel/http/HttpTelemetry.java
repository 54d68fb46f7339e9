package com.example.ecsotel.http;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientMetrics;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerMetrics;
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

  static Instrumenter<ServerRequest, Integer> server(OpenTelemetry openTelemetry) {
    ServerAttributesGetter getter = ServerAttributesGetter.INSTANCE;
    return Instrumenter.<ServerRequest, Integer>builder(
            openTelemetry, INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
        .setSpanStatusExtractor(HttpSpanStatusExtractor.create(getter))
        .addAttributesExtractor(HttpServerAttributesExtractor.create(getter))
        .addOperationMetrics(HttpServerMetrics.get())
        .buildServerInstrumenter(getter);
  }

  static Instrumenter<ClientRequest, HttpResponse<?>> client(OpenTelemetry openTelemetry) {
    ClientAttributesGetter getter = ClientAttributesGetter.INSTANCE;
    return Instrumenter.<ClientRequest, HttpResponse<?>>builder(
            openTelemetry, INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
        .setSpanStatusExtractor(HttpSpanStatusExtractor.create(getter))
        .addAttributesExtractor(HttpClientAttributesExtractor.create(getter))
        .addOperationMetrics(HttpClientMetrics.get())
        .buildClientInstrumenter(ClientAttributesGetter.INSTANCE);
  }
}
