package com.example.ecsotel.http;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@code http.server.request.duration} as instrumentation-api 2.31's {@code HttpServerMetrics} records it: the
 * same name, unit, description and bucket advice, and the attributes its attribute advice keeps, derived the way
 * {@code HttpServerAttributesExtractor} derives them. Written out because of what the library costs per request:
 * it merges the span's start and end attributes (about fifteen entries, copied and sorted) and the SDK then
 * filters them down to the advised seven, a new set for every request; on this app's unsampled path that was a
 * fifth of the telemetry's CPU on the request thread (docs/saturation.md). Here each series' Attributes is built
 * once and reused. ServerDurationsEquivalenceTest records the same requests through the library and through this
 * class and compares the exported metrics.
 */
final class ServerDurations {
  static final String NAME = "http.server.request.duration";
  // HttpMetricsAdvice.DURATION_SECONDS_BUCKETS (the semconv advice), HttpConstants.KNOWN_METHODS.
  private static final List<Double> BUCKETS =
      List.of(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
  private static final Set<String> KNOWN_METHODS =
      Set.of("CONNECT", "DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE");
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
  private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
  private static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  private static final AttributeKey<String> PROTOCOL_NAME = AttributeKey.stringKey("network.protocol.name");
  private static final AttributeKey<String> PROTOCOL_VERSION = AttributeKey.stringKey("network.protocol.version");
  private static final AttributeKey<String> SCHEME = AttributeKey.stringKey("url.scheme");
  private static final double NANOS_PER_S = 1e9;
  // Every part of the key is bounded by the app (route templates, nine methods and _OTHER, the statuses it
  // answers) except the protocol version a client sends; past this many series new ones are built per request
  // (the SDK's cardinality limit still bounds what is exported).
  private static final int MAX_CACHED_SERIES = 1024;

  private record Series(
      String method, String route, int status, String errorClass, String scheme, String protocol, String version) {}

  private final DoubleHistogram duration;
  private final Map<Series, Attributes> attributes = new ConcurrentHashMap<>();

  private ServerDurations(DoubleHistogram duration) {
    this.duration = duration;
  }

  static ServerDurations create(Meter meter) {
    Objects.requireNonNull(meter, "meter");
    return new ServerDurations(
        meter
            .histogramBuilder(NAME)
            .setUnit("s")
            .setDescription("Duration of HTTP server requests.")
            .setExplicitBucketBoundariesAdvice(BUCKETS)
            .build());
  }

  /**
   * Records one request that {@code context} (a started SERVER span's context, for exemplars) covered, from
   * {@code startNanos} to {@code endNanos} ({@link System#nanoTime}), answered with {@code status}; {@code
   * error} (or null) only names error.type when there is no status.
   */
  void record(Context context, ServerRequest request, int status, Throwable error, long startNanos, long endNanos) {
    ServerAttributesGetter getter = ServerAttributesGetter.INSTANCE;
    String method = getter.getHttpRequestMethod(request);
    Series series = new Series(
        method == null || KNOWN_METHODS.contains(method) ? method : "_OTHER",
        getter.getHttpRoute(request),
        status,
        status <= 0 && error != null ? error.getClass().getName() : null,
        getter.getUrlScheme(request),
        lowercase(getter.getNetworkProtocolName(request, status)),
        lowercase(getter.getNetworkProtocolVersion(request, status)));
    Attributes seriesAttributes = attributes.get(series);
    if (seriesAttributes == null) {
      seriesAttributes = attributesOf(series);
      if (attributes.size() < MAX_CACHED_SERIES) {
        attributes.putIfAbsent(series, seriesAttributes);
      }
    }
    duration.record((endNanos - startNanos) / NANOS_PER_S, seriesAttributes, context);
  }

  /** What HttpServerAttributesExtractor puts for these values, filtered by HttpMetricsAdvice's server keys. */
  private static Attributes attributesOf(Series series) {
    AttributesBuilder builder = Attributes.builder();
    if (series.method() != null) {
      builder.put(METHOD, series.method());
    }
    if (series.route() != null) {
      builder.put(ROUTE, series.route());
    }
    // As HttpCommonAttributesExtractor.onEnd: a server error's status names error.type; without a status the
    // exception's class does, else _OTHER.
    if (series.status() > 0) {
      builder.put(STATUS, (long) series.status());
      if (series.status() >= 500 || series.status() < 100) {
        builder.put(ERROR_TYPE, Integer.toString(series.status()));
      }
    } else {
      builder.put(ERROR_TYPE, series.errorClass() != null ? series.errorClass() : "_OTHER");
    }
    if (series.version() != null) {
      if (!"http".equals(series.protocol())) {
        builder.put(PROTOCOL_NAME, series.protocol());
      }
      builder.put(PROTOCOL_VERSION, series.version());
    }
    if (series.scheme() != null) {
      builder.put(SCHEME, series.scheme());
    }
    return builder.build();
  }

  private static String lowercase(String text) {
    return text == null ? null : text.toLowerCase(Locale.ROOT);
  }
}
