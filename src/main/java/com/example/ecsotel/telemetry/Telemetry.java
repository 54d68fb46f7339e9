package com.example.ecsotel.telemetry;

import com.example.ecsotel.config.TelemetryConfig;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.contrib.awsxray.AwsXrayIdGenerator;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;
import io.opentelemetry.instrumentation.runtimetelemetry.RuntimeTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.export.MetricReader;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one place that owns the OpenTelemetry SDK: it builds it through the autoconfigure module (so
 * every standard OTEL_* variable behaves per spec), adds the AWS pieces as customizers, and shuts it
 * down. Everything else in the app sees only the {@link OpenTelemetry} API.
 */
public final class Telemetry implements AutoCloseable {
  /** Defaults that differ from the SDK's own ({@link SdkDefaults}); any OTEL_* variable overrides them. */
  static final Map<String, String> DEFAULTS = SdkDefaults.PROPERTIES;

  private final OpenTelemetrySdk sdk; // null: no SDK at all (none())
  private final OpenTelemetry api;
  private final Resource resource;
  private final List<AutoCloseable> closeables;

  private Telemetry(
      OpenTelemetrySdk sdk, OpenTelemetry api, Resource resource, List<AutoCloseable> closeables) {
    this.sdk = sdk;
    this.api = api;
    this.resource = resource;
    this.closeables = closeables;
  }

  /** Production wiring: configuration from the environment, exporters from OTEL_* variables. */
  public static Telemetry create(TelemetryConfig config) {
    return builder(config).build();
  }

  public static Builder builder(TelemetryConfig config) {
    return new Builder(Objects.requireNonNull(config, "config"));
  }

  /**
   * No SDK at all: the no-op API, nothing built, nothing to flush. The benchmark's zero baseline (variant
   * {@code none}) that OTEL_SDK_DISABLED=true is measured against: a disabled autoconfigured SDK still reads its
   * configuration and builds the resource at start. "None" means none: unlike a disabled SDK it does not propagate
   * trace context either, so per request it costs nothing and a disabled SDK costs only the header extraction.
   */
  public static Telemetry none(TelemetryConfig config) {
    Objects.requireNonNull(config, "config");
    return new Telemetry(null, OpenTelemetry.noop(), Resource.getDefault(), List.of());
  }

  /**
   * What handlers use: the SDK; with OTEL_SDK_DISABLED=true the no-op API with the configured propagators (trace
   * context still passes through); with {@link #none} the bare no-op API (no propagation either).
   */
  public OpenTelemetry openTelemetry() {
    return api;
  }

  /**
   * False when OTEL_SDK_DISABLED=true (or {@link #none}): the app then skips its telemetry work per request
   * (instrumenters disabled, no attribute extraction, no metric recording), not just its export.
   */
  public boolean enabled() {
    return sdk != null && api == sdk;
  }

  /** The resource the SDK was built with (service.name, ECS attributes, log groups). */
  public Resource resource() {
    return resource;
  }

  /** Flushes every finished span and the last metric collection, then stops the SDK, within {@code timeout}. */
  public boolean shutdown(Duration timeout) {
    return sdk == null || SdkShutdown.run(sdk, closeables, timeout);
  }

  @Override
  public void close() {
    shutdown(Duration.ofSeconds(5));
  }

  /** Builds the SDK; tests add in-memory processors and readers and override properties. */
  public static final class Builder {
    private final TelemetryConfig config;
    private final Map<String, String> overrides = new HashMap<>();
    private final List<SpanProcessor> extraSpanProcessors = new ArrayList<>();
    private final List<MetricReader> extraMetricReaders = new ArrayList<>();
    private boolean runtimeMetrics = true;

    private Builder(TelemetryConfig config) {
      this.config = config;
    }

    /** Sets an SDK property (e.g. {@code otel.traces.exporter}) that wins over the environment. */
    public Builder property(String key, String value) {
      overrides.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder addSpanProcessor(SpanProcessor processor) {
      extraSpanProcessors.add(Objects.requireNonNull(processor, "processor"));
      return this;
    }

    public Builder addMetricReader(MetricReader reader) {
      extraMetricReaders.add(Objects.requireNonNull(reader, "reader"));
      return this;
    }

    public Builder runtimeMetrics(boolean enabled) {
      this.runtimeMetrics = enabled;
      return this;
    }

    public Telemetry build() {
      List<AutoCloseable> closeables = new CopyOnWriteArrayList<>();
      AtomicReference<Resource> finalResource = new AtomicReference<>(Resource.getDefault());
      AtomicBoolean sdkDisabled = new AtomicBoolean();
      AutoConfiguredOpenTelemetrySdk autoConfigured =
          AutoConfiguredOpenTelemetrySdk.builder()
              .addPropertiesSupplier(() -> DEFAULTS)
              .addPropertiesCustomizer(unused -> overrides)
              .addPropertiesCustomizer(
                  props -> {
                    sdkDisabled.set(props.getBoolean("otel.sdk.disabled", false));
                    return Map.of();
                  })
              .addResourceCustomizer(
                  (resource, props) -> {
                    Resource customized = AppResource.customize(resource, config);
                    finalResource.set(customized);
                    return customized;
                  })
              // X-Ray headers as AWS sends them: Sampled=? continues the trace (AwsTraceHeader).
              .addPropagatorCustomizer(
                  (propagator, props) ->
                      propagator instanceof AwsXrayPropagator
                          ? new AwsTraceHeaderPropagator(propagator)
                          : propagator)
              .addSamplerCustomizer(
                  (sampler, props) -> XraySampling.defaultSampler(sampler, props, finalResource.get(), config, closeables))
              .addTracerProviderCustomizer(
                  (builder, props) -> {
                    // X-Ray needs the epoch seconds in the first 8 hex digits of every trace id; a
                    // root span behind an ALB keeps the ALB's Root instead (AwsTraceHeader).
                    builder.setIdGenerator(new RootTraceIdGenerator(AwsXrayIdGenerator.getInstance()));
                    extraSpanProcessors.forEach(builder::addSpanProcessor);
                    return builder;
                  })
              .addMeterProviderCustomizer(
                  (builder, props) -> {
                    extraMetricReaders.forEach(builder::registerMetricReader);
                    return builder;
                  })
              // We flush on our own SIGTERM path, after in-flight requests have finished.
              .disableShutdownHook()
              .build();
      OpenTelemetrySdk sdk = autoConfigured.getOpenTelemetrySdk();
      // Disabled: no spans, no metrics, but the configured propagators (the spec: OTEL_SDK_DISABLED "has no
      // effect on propagators configured through OTEL_PROPAGATORS"; autoconfigure 1.67.0 builds them first).
      if (sdkDisabled.get()) {
        return new Telemetry(sdk, OpenTelemetry.propagating(sdk.getPropagators()), finalResource.get(), closeables);
      }
      if (runtimeMetrics) {
        closeables.add(RuntimeTelemetry.create(sdk));
      }
      return new Telemetry(sdk, sdk, finalResource.get(), closeables);
    }
  }
}
