package com.example.ecsotel.config;

import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The app-specific telemetry knobs. Standard OTEL_* variables are deliberately not parsed here: the
 * SDK autoconfigure module reads them so they behave exactly as the OpenTelemetry spec says.
 */
public record TelemetryConfig(
    String defaultServiceName,
    URI xraySamplingEndpoint,
    Duration xraySamplingPollInterval,
    List<String> logGroupNames,
    boolean ecsMetadataAvailable) {

  public static final String DEFAULT_SERVICE_NAME = "sample-app";

  public TelemetryConfig {
    Objects.requireNonNull(defaultServiceName, "defaultServiceName");
    Objects.requireNonNull(xraySamplingEndpoint, "xraySamplingEndpoint");
    Objects.requireNonNull(xraySamplingPollInterval, "xraySamplingPollInterval");
    logGroupNames = List.copyOf(logGroupNames);
  }

  static TelemetryConfig fromEnv(Env env) {
    List<String> logGroups =
        Arrays.stream(env.string("AWS_LOG_GROUP_NAMES", "").split(","))
            .map(String::trim)
            .filter(s -> !s.isEmpty())
            .toList();
    return new TelemetryConfig(
        DEFAULT_SERVICE_NAME,
        env.httpUrl("XRAY_SAMPLING_ENDPOINT", "http://localhost:2000"),
        // The contrib sampler's own default is 300 s; tests and demos lower it to see rule edits fast.
        env.seconds("XRAY_SAMPLING_POLL_SECONDS", 300, 1, 86_400),
        logGroups,
        env.get("ECS_CONTAINER_METADATA_URI_V4").isPresent());
  }

  /** A config for tests and local tools: no ECS, sampler endpoint given. */
  public static TelemetryConfig local(URI samplingEndpoint) {
    return new TelemetryConfig(
        DEFAULT_SERVICE_NAME, samplingEndpoint, Duration.ofSeconds(300), List.of(), false);
  }
}
