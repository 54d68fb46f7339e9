package com.example.standins;

import com.example.standins.sigv4.Credentials;
import com.example.standins.xray.SegmentStore;
import java.net.URI;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** Everything the stand-ins read from the environment, with the loopback defaults every component agrees on. */
public record StandinsConfig(
    String bindAddress,
    int xrayPort,
    int ampPort,
    int s3Port,
    int ecsMetadataPort,
    String prometheusUrl,
    Credentials credentials,
    String region,
    Set<String> ampWorkspaces,
    List<String> s3Buckets,
    int segmentCapacity,
    long segmentMaxBytes,
    Optional<Path> samplingRulesFile,
    Optional<URI> zipkinUrl) {

  public static StandinsConfig fromEnvironment(Map<String, String> env) {
    Credentials credentials = new Credentials(
        env.getOrDefault("STANDIN_ACCESS_KEY_ID", Credentials.EXAMPLE.accessKeyId()),
        env.getOrDefault("STANDIN_SECRET_ACCESS_KEY", Credentials.EXAMPLE.secretAccessKey()),
        env.get("STANDIN_SESSION_TOKEN"));
    return new StandinsConfig(
        env.getOrDefault("BIND_ADDRESS", "127.0.0.1"),
        port(env, "XRAY_PORT", 4510),
        port(env, "AMP_PORT", 4511),
        port(env, "S3_PORT", 4512),
        port(env, "ECS_METADATA_PORT", 4513),
        env.getOrDefault("PROMETHEUS_URL", "http://127.0.0.1:9090"),
        credentials,
        env.getOrDefault("STANDIN_REGION", "us-west-2"),
        list(env.getOrDefault("AMP_WORKSPACE_IDS", "ws-local")).stream().collect(Collectors.toUnmodifiableSet()),
        list(env.getOrDefault("S3_BUCKETS", "ecs-otel-sample-bucket")),
        (int) positive(env, "SEGMENT_STORE_CAPACITY", 20000, Integer.MAX_VALUE),
        // Bound on the stored segment texts (sum of their lengths); unset: one eighth of the heap.
        positive(env, "SEGMENT_STORE_MAX_BYTES", SegmentStore.defaultMaxBytes(), Long.MAX_VALUE),
        // The X-Ray rules to serve at start (deploy/xray-sampling-rules.json); unset: X-Ray's default rule.
        Optional.ofNullable(env.get("SAMPLING_RULES_FILE")).filter(v -> !v.isBlank()).map(Path::of),
        // A Zipkin server to feed with every accepted segment (the local trace UI); unset: none.
        Optional.ofNullable(env.get("ZIPKIN_URL")).filter(v -> !v.isBlank()).map(StandinsConfig::httpUrl));
  }

  private static URI httpUrl(String value) {
    try {
      URI uri = URI.create(value.strip());
      if ((uri.getScheme() != null && uri.getScheme().matches("https?")) && uri.getHost() != null) {
        return uri;
      }
    } catch (IllegalArgumentException e) {
      // reported below
    }
    throw new IllegalArgumentException("ZIPKIN_URL must be an http(s) URL such as http://127.0.0.1:9411, got " + value);
  }

  private static int port(Map<String, String> env, String name, int defaultPort) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultPort;
    }
    int port = Integer.parseInt(value.strip());
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + " must be a port number, got " + value);
    }
    return port;
  }

  private static long positive(Map<String, String> env, String name, long defaultValue, long max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return defaultValue;
    }
    try {
      long parsed = Long.parseLong(value.strip());
      if (parsed > 0 && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(name + " must be a whole number from 1 to " + max + ", got " + value);
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }
}
