package com.example.ecsotel.config;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the app reads from its environment (besides the standard OTEL_* variables, which the
 * OpenTelemetry SDK autoconfiguration reads itself). Parsed once at start; a bad value fails fast.
 */
public record AppConfig(
    String bindAddress,
    int port,
    int maxConcurrentRequests,
    ShutdownBudget shutdownBudget,
    List<URI> peers,
    URI outgoingHttpUrl,
    Duration outgoingTimeout,
    String awsRegion,
    Optional<URI> s3Endpoint,
    Duration ordersLatency,
    double ordersErrorRate,
    boolean rejectInvalidTraceHeaders,
    TelemetryConfig telemetry) {

  public AppConfig {
    Objects.requireNonNull(bindAddress, "bindAddress");
    peers = List.copyOf(peers);
    Objects.requireNonNull(outgoingHttpUrl, "outgoingHttpUrl");
    Objects.requireNonNull(awsRegion, "awsRegion");
    Objects.requireNonNull(s3Endpoint, "s3Endpoint");
    Objects.requireNonNull(telemetry, "telemetry");
    Objects.requireNonNull(shutdownBudget, "shutdownBudget");
  }

  /** How long in-flight requests may finish after SIGTERM (part of {@link #shutdownBudget()}). */
  public Duration shutdownGrace() {
    return shutdownBudget.grace();
  }

  /** Reads the configuration; throws {@link ConfigException} naming the first bad variable. */
  public static AppConfig fromEnv(Map<String, String> environment) {
    Env env = Env.of(environment);
    String region = env.string("AWS_REGION", env.string("AWS_DEFAULT_REGION", "us-west-2"));
    if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
      throw new ConfigException("AWS_REGION", "must look like us-west-2", region);
    }
    return new AppConfig(
        env.string("BIND_ADDRESS", "0.0.0.0"),
        env.integer("PORT", 8080, 0, 65535),
        env.integer("MAX_CONCURRENT_REQUESTS", 256, 1, 100_000),
        // ECS sends SIGKILL stopTimeout after SIGTERM: drain, executor wait and flush must fit inside it.
        ShutdownBudget.of(
            env.integer("STOP_TIMEOUT_SECONDS", ShutdownBudget.DEFAULT_STOP_TIMEOUT_SECONDS,
                ShutdownBudget.MIN_STOP_TIMEOUT_SECONDS, 120),
            env.integer("SHUTDOWN_GRACE_SECONDS", 10, 0, 120)),
        env.httpUrlList("SAMPLE_APP_PEERS"),
        env.httpUrl("OUTGOING_HTTP_URL", "https://aws.amazon.com"),
        env.millis("OUTGOING_HTTP_TIMEOUT_MS", 5_000, 60_000),
        region,
        env.optionalHttpUrl("AWS_ENDPOINT_URL_S3"),
        env.millis("ORDERS_LATENCY_MS", 20, 10_000),
        env.fraction("ORDERS_ERROR_RATE", 0.0),
        env.bool("REJECT_INVALID_TRACE_HEADERS", false),
        TelemetryConfig.fromEnv(env));
  }
}
