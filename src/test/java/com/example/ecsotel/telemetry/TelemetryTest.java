package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.ecsotel.config.AppConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TelemetryTest {
  private static Telemetry build(Map<String, String> env, Map<String, String> otel) {
    Telemetry.Builder builder =
        Telemetry.builder(AppConfig.fromEnv(env).telemetry())
            .runtimeMetrics(false)
            .property("otel.traces.exporter", "none")
            .property("otel.metrics.exporter", "none")
            .property("otel.traces.sampler", "always_on");
    otel.forEach(builder::property);
    return builder.build();
  }

  @Test
  void serviceNameDefaultsToSampleAppAndOtelServiceNameWins() {
    try (Telemetry defaults = build(Map.of(), Map.of());
        Telemetry named = build(Map.of(), Map.of("otel.service.name", "sample-app-peer"))) {
      assertThat(defaults.resource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("sample-app");
      assertThat(named.resource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("sample-app-peer");
    }
  }

  @Test
  void logGroupNamesBecomeTheResourceAttributeXrayUsesForTraceToLogsLinks() {
    try (Telemetry telemetry = build(Map.of("AWS_LOG_GROUP_NAMES", "/ecs/sample-app, /ecs/other"), Map.of())) {
      assertThat(telemetry.resource().getAttribute(AttributeKey.stringArrayKey("aws.log.group.names")))
          .containsExactly("/ecs/sample-app", "/ecs/other");
    }
  }

  @Test
  void withoutEcsMetadataThereAreNoCloudAttributes() {
    try (Telemetry telemetry = build(Map.of(), Map.of())) {
      assertThat(telemetry.resource().getAttribute(AttributeKey.stringKey("cloud.platform"))).isNull();
      assertThat(telemetry.resource().getAttribute(AttributeKey.stringKey("cloud.provider"))).isNull();
    }
  }

  @Test
  void defaultPropagatorsAreW3cBaggageAndXray() {
    try (Telemetry telemetry = build(Map.of(), Map.of())) {
      TextMapPropagator propagator = telemetry.openTelemetry().getPropagators().getTextMapPropagator();
      assertThat(propagator.fields()).contains("traceparent", "tracestate", "baggage", "X-Amzn-Trace-Id");
    }
  }

  @Test
  void otelPropagatorsOverridesTheDefault() {
    try (Telemetry telemetry = build(Map.of(), Map.of("otel.propagators", "tracecontext"))) {
      assertThat(telemetry.openTelemetry().getPropagators().getTextMapPropagator().fields())
          .containsExactlyInAnyOrder("traceparent", "tracestate");
    }
  }

  @Test
  void sdkDefaultsExportOtlpGrpcWithCumulativeTemporality() {
    assertThat(Telemetry.DEFAULTS)
        .containsEntry("otel.exporter.otlp.protocol", "grpc")
        .containsEntry("otel.exporter.otlp.metrics.temporality.preference", "cumulative");
    assertThat(List.of(Telemetry.DEFAULTS.get("otel.java.disabled.resource.providers").split(",")))
        .contains("io.opentelemetry.contrib.aws.resource.Ec2ResourceProvider",
            "io.opentelemetry.contrib.aws.resource.EksResourceProvider");
  }

  @Test
  void spansAreExportedInBatchesOf2048UnlessOtelBspSaysOtherwise() {
    // A real OTLP exporter (to a closed loopback port: no span is made, nothing is sent).
    Map<String, String> otlp = Map.of("otel.traces.exporter", "otlp",
        "otel.exporter.otlp.endpoint", "http://127.0.0.1:9");
    try (Telemetry shipped = build(Map.of(), otlp);
        Telemetry overridden = build(Map.of(), Map.of("otel.traces.exporter", "otlp",
            "otel.exporter.otlp.endpoint", "http://127.0.0.1:9", "otel.bsp.max.export.batch.size", "100"))) {
      assertThat(tracerProvider(shipped)).contains("BatchSpanProcessor{").contains("maxExportBatchSize=2048");
      assertThat(tracerProvider(overridden)).contains("maxExportBatchSize=100");
    }
  }

  private static String tracerProvider(Telemetry telemetry) {
    return ((io.opentelemetry.sdk.OpenTelemetrySdk) telemetry.openTelemetry()).getSdkTracerProvider().toString();
  }

  @Test
  void xrayIdsRenderInXrayForm() {
    var context = io.opentelemetry.api.trace.SpanContext.create(
        "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8",
        io.opentelemetry.api.trace.TraceFlags.getSampled(), io.opentelemetry.api.trace.TraceState.getDefault());
    assertThat(XrayIds.traceId(context)).isEqualTo("1-5759e988-bd862e3fe1be46a994272793");
    assertThat(XrayIds.logId(context)).isEqualTo("1-5759e988-bd862e3fe1be46a994272793@53995c3f42cd8ad8");
  }
}
