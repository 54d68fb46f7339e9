package com.example.ecsotel.telemetry;

import java.util.Map;

/** The SDK properties this app sets by default; {@link Telemetry} supplies them to autoconfigure. */
final class SdkDefaults {
  private SdkDefaults() {}

  /**
   * Defaults that differ from the SDK's own; any OTEL_* variable or system property overrides them.
   * The resource providers shipped in opentelemetry-aws-resources are all disabled by default: the
   * EC2 and EKS ones would probe instance metadata off AWS. The ECS resource is added explicitly.
   */
  static final Map<String, String> PROPERTIES =
      Map.of(
          "otel.propagators", "tracecontext,baggage,xray",
          "otel.exporter.otlp.protocol", "grpc",
          // AMP's remote write rejects delta; cumulative is also the SDK default, but say it out loud.
          "otel.exporter.otlp.metrics.temporality.preference", "cumulative",
          // Logs go to stdout (awslogs driver -> CloudWatch Logs), correlated by the X-Ray trace id.
          "otel.logs.exporter", "none",
          // Export 2,048 spans per OTLP request instead of 512: each request has a fixed cost (gRPC
          // call, marshaler setup, the worker's wake-up), and at 100 % sampling the export threads'
          // CPU per span fell by 45 % (bench/profile.py A/B, commit ffb8a31). The queue is 4x the batch
          // (default 2,048 = one batch) so a batch in flight does not make the next spans drop; the
          // 4 s of traffic it buffers at 1,000 req/s also ride out a short collector restart.
          "otel.bsp.max.export.batch.size", "2048",
          "otel.bsp.max.queue.size", "8192",
          "otel.java.disabled.resource.providers",
              String.join(
                  ",",
                  "io.opentelemetry.contrib.aws.resource.BeanstalkResourceProvider",
                  "io.opentelemetry.contrib.aws.resource.Ec2ResourceProvider",
                  "io.opentelemetry.contrib.aws.resource.EcsResourceProvider",
                  "io.opentelemetry.contrib.aws.resource.EksResourceProvider",
                  "io.opentelemetry.contrib.aws.resource.LambdaResourceProvider"));
}
