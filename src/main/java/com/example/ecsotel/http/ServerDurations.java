package com.example.ecsotel.http;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.instrumentation.api.instrumenter.OperationListener;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code http.server.request.duration} as instrumentation-api 2.31's {@code HttpServerMetrics} records it, from the
 * same listener calls: the same name, unit, description and bucket advice, the same interval, and the attributes its
 * attribute advice keeps, read from the attributes the Instrumenter's extractors produced (so Forwarded schemes,
 * method normalisation, error.type and the route are the library's own). What differs is the per-request work: the
 * library merges all start and end attributes (about fifteen, copied and sorted) and the SDK then filters them down
 * to the advised seven, a new set for every request: a fifth of the telemetry's CPU on the request thread on this
 * app's unsampled path, profiled before this class (docs/benchmark.md's A/B table has what it saved). Here the seven
 * values are looked up and each series' Attributes is built once. One visible difference: exemplars (sampled
 * requests) no longer carry the span attributes outside the seven ({@code url.path}, {@code url.query},
 * {@code client.address}, {@code server.address}, ...), which the SDK attached as filtered attributes.
 * ServerDurationsEquivalenceTest records the same requests through both and compares the exported series.
 */
final class ServerDurations implements OperationListener {
  static final String NAME = "http.server.request.duration";
  // HttpMetricsAdvice.DURATION_SECONDS_BUCKETS and the keys of its server duration attribute advice.
  private static final List<Double> BUCKETS =
      List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
  private static final List<AttributeKey<?>> KEPT = List.of(
      AttributeKey.stringKey("http.route"),
      AttributeKey.stringKey("http.request.method"),
      AttributeKey.longKey("http.response.status_code"),
      AttributeKey.stringKey("error.type"),
      AttributeKey.stringKey("network.protocol.name"),
      AttributeKey.stringKey("network.protocol.version"),
      AttributeKey.stringKey("url.scheme"));
  private static final ContextKey<Start> START = ContextKey.named("ecsotel-http-server-duration-start");
  private static final double NANOS_PER_S = 1e9;
  // The values are bounded by the app (route templates, nine methods and _OTHER, its statuses) except a
  // client's protocol version; past this many series new ones are built per request (the SDK's cardinality
  // limit still bounds what is exported).
  private static final int MAX_CACHED_SERIES = 1024;

  private record Start(Attributes attributes, long nanos) {}

  private final DoubleHistogram duration;
  // A series' identity: the kept values in KEPT's order (null where absent).
  private final Map<List<Object>, Attributes> attributes = new ConcurrentHashMap<>();

  private ServerDurations(DoubleHistogram duration) {
    this.duration = duration;
  }

  /** An {@code OperationMetrics} for {@code InstrumenterBuilder.addOperationMetrics}. */
  static OperationListener create(Meter meter) {
    Objects.requireNonNull(meter, "meter");
    return new ServerDurations(
        meter
            .histogramBuilder(NAME)
            .setUnit("s")
            .setDescription("Duration of HTTP server requests.")
            .setExplicitBucketBoundariesAdvice(BUCKETS)
            .build());
  }

  @Override
  public Context onStart(Context context, Attributes startAttributes, long startNanos) {
    return context.with(START, new Start(startAttributes, startNanos));
  }

  @Override
  public void onEnd(Context context, Attributes endAttributes, long endNanos) {
    Start start = context.get(START);
    if (start == null) {
      return; // as HttpServerMetrics: no start, no point
    }
    Object[] values = new Object[KEPT.size()];
    for (int i = 0; i < values.length; i++) {
      // HttpServerMetrics merges start.toBuilder().putAll(end): an end value wins.
      Object value = endAttributes.get(KEPT.get(i));
      values[i] = value != null ? value : start.attributes().get(KEPT.get(i));
    }
    List<Object> series = Arrays.asList(values);
    Attributes seriesAttributes = attributes.get(series);
    if (seriesAttributes == null) {
      seriesAttributes = attributesOf(values);
      if (attributes.size() < MAX_CACHED_SERIES) {
        attributes.putIfAbsent(series, seriesAttributes);
      }
    }
    duration.record((endNanos - start.nanos()) / NANOS_PER_S, seriesAttributes, context);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Attributes attributesOf(Object[] values) {
    AttributesBuilder builder = Attributes.builder();
    for (int i = 0; i < values.length; i++) {
      if (values[i] != null) {
        builder.put((AttributeKey) KEPT.get(i), values[i]);
      }
    }
    return builder.build();
  }
}
