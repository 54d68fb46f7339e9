package com.example.ecsotel.telemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.lang.management.ManagementFactory;
import java.lang.management.RuntimeMXBean;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The seven metrics of the ADOT sample-app spec, measured from the real process instead of the
 * spec's random values. Only the OpenTelemetry API is used. The single per-request attribute,
 * {@code apiName}, is the route template (or {@code unmatched}), so series never grow with URLs. One
 * metric of our own: {@code sample_app.trace_header.invalid}, malformed trace headers the app ignored
 * (attribute {@code header}: {@code traceparent} or {@code x-amzn-trace-id}).
 */
public final class SampleAppMetrics implements AutoCloseable {
  public static final String UNMATCHED_ROUTE = "unmatched";
  static final AttributeKey<String> API_NAME = AttributeKey.stringKey("apiName");

  private static final Attributes REQUEST_ATTRIBUTES = common("request");
  private static final Attributes RANDOM_ATTRIBUTES = common("random");
  private static final AttributeKey<String> HEADER = AttributeKey.stringKey("header");
  // Two known values: the series stay bounded whatever a client sends.
  private static final Map<String, Attributes> INVALID_HEADER_ATTRIBUTES =
      Map.of(
          "traceparent", Attributes.of(HEADER, "traceparent"),
          "x-amzn-trace-id", Attributes.of(HEADER, "x-amzn-trace-id"));
  private static final Attributes INVALID_HEADER_OTHER = Attributes.of(HEADER, "other");

  private final Map<String, LongAdder> requestsByApi = new ConcurrentHashMap<>();
  private final Map<String, Attributes> attributesByApi = new ConcurrentHashMap<>();
  private final LongCounter bytesSent;
  private final LongCounter invalidTraceHeaders;
  private final DoubleHistogram latency;
  private final List<AutoCloseable> callbacks;
  private final boolean enabled;

  private SampleAppMetrics(Meter meter) {
    enabled = meter != null;
    if (meter == null) {
      bytesSent = null;
      invalidTraceHeaders = null;
      latency = null;
      callbacks = List.of();
      return;
    }
    invalidTraceHeaders =
        meter
            .counterBuilder("sample_app.trace_header.invalid")
            .setUnit("{header}")
            .setDescription("Malformed traceparent or X-Amzn-Trace-Id headers (ignored; 400 if REJECT_INVALID_TRACE_HEADERS)")
            .build();
    bytesSent =
        meter
            .counterBuilder("total_bytes_sent")
            .setUnit("By")
            .setDescription("Keeps a sum of the total amount of bytes sent while the application is alive")
            .build();
    latency =
        meter
            .histogramBuilder("latency_time")
            .setUnit("ms")
            .setDescription("Measures latency time in buckets of 100 300 and 500")
            .setExplicitBucketBoundariesAdvice(List.of(100.0, 300.0, 500.0))
            .build();
    RuntimeMXBean runtime = ManagementFactory.getRuntimeMXBean();
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    callbacks =
        List.of(
            meter
                .counterBuilder("total_api_requests")
                .setUnit("1")
                .setDescription("Increments by one every time a sampleapp endpoint is used")
                .buildWithCallback(
                    m -> requestsByApi.forEach((api, n) -> m.record(n.sum(), attributesFor(api)))),
            meter
                .counterBuilder("time_alive")
                .setUnit("ms")
                .setDescription("Total amount of time that the application has been alive")
                .buildWithCallback(m -> m.record(runtime.getUptime(), RANDOM_ATTRIBUTES)),
            meter
                .upDownCounterBuilder("total_heap_size")
                .setUnit("By")
                .setDescription("The current total heap size")
                .buildWithCallback(
                    m -> m.record(Runtime.getRuntime().totalMemory(), RANDOM_ATTRIBUTES)),
            meter
                .upDownCounterBuilder("threads_active")
                .setUnit("1")
                .setDescription("The total number of threads active")
                .buildWithCallback(m -> m.record(threads.getThreadCount(), RANDOM_ATTRIBUTES)),
            meter
                .gaugeBuilder("cpu_usage")
                .setUnit("1")
                .setDescription("Cpu usage percent")
                .buildWithCallback(
                    m -> {
                      double load = processCpuLoad();
                      if (load >= 0) { // negative means "not available yet" on this JVM
                        m.record(load * 100.0, RANDOM_ATTRIBUTES);
                      }
                    }));
  }

  public static SampleAppMetrics create(OpenTelemetry openTelemetry) {
    return create(openTelemetry, true);
  }

  /** {@code enabled=false} (OTEL_SDK_DISABLED=true): nothing registered, nothing counted per request. */
  public static SampleAppMetrics create(OpenTelemetry openTelemetry, boolean enabled) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    return new SampleAppMetrics(
        enabled ? openTelemetry.getMeter("com.example.ecsotel.sample-app") : null);
  }

  /** Records one finished request; {@code apiName} must be a route template, never a raw path. */
  public void recordRequest(String apiName, long bytes, double latencyMillis) {
    if (!enabled) {
      return;
    }
    Attributes attributes = attributesFor(apiName);
    requestsByApi.computeIfAbsent(apiName, unused -> new LongAdder()).increment();
    bytesSent.add(bytes, attributes);
    latency.record(latencyMillis, attributes);
  }

  /** Counts a malformed trace header that was ignored; {@code header} is its lower-case name. */
  public void recordInvalidTraceHeader(String header) {
    if (!enabled) {
      return;
    }
    invalidTraceHeaders.add(1, INVALID_HEADER_ATTRIBUTES.getOrDefault(header, INVALID_HEADER_OTHER));
  }

  private Attributes attributesFor(String apiName) {
    return attributesByApi.computeIfAbsent(
        apiName, api -> REQUEST_ATTRIBUTES.toBuilder().put(API_NAME, api).build());
  }

  private static double processCpuLoad() {
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuLoad();
    }
    return -1;
  }

  private static Attributes common(String metricType) {
    return Attributes.of(
        AttributeKey.stringKey("signal"), "metric",
        AttributeKey.stringKey("language"), "java",
        AttributeKey.stringKey("metricType"), metricType);
  }

  @Override
  public void close() {
    for (AutoCloseable callback : callbacks) {
      try {
        callback.close();
      } catch (Exception ignored) {
        // observable instruments never throw on close
      }
    }
  }
}
