package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link Main} as a real child JVM configured only by environment variables, exports over real
 * OTLP/HTTP to an in-process receiver, and stops it with SIGTERM as ECS does.
 */
class ProcessLifecycleTest {
  private static final String CONTAINER_METADATA =
      """
      {"DockerId":"cafe0123","Name":"sample-app","DockerName":"ecs-demo-sample-app",
       "Image":"123456789012.dkr.ecr.us-west-2.amazonaws.com/sample-app:1.0.0",
       "ContainerARN":"arn:aws:ecs:us-west-2:111122223333:container/demo/0123456789abcdef/c1",
       "LogDriver":"awslogs",
       "LogOptions":{"awslogs-group":"/ecs/sample-app","awslogs-region":"us-west-2","awslogs-stream":"ecs/sample-app/0123"}}
      """;
  private static final String TASK_METADATA =
      """
      {"Cluster":"demo","TaskARN":"arn:aws:ecs:us-west-2:111122223333:task/demo/0123456789abcdef",
       "Family":"sample-app","Revision":"3","LaunchType":"FARGATE"}
      """;
  private static final Pattern LISTENING = Pattern.compile("listening on port (\\d+)");

  @Test
  void sigtermDrainsInFlightRequestFlushesTelemetryOverOtlpAndExitsZero() throws Exception {
    CountDownLatch upstreamReached = new CountDownLatch(1);
    try (OtlpReceiver otlp = OtlpReceiver.start();
        StubServer slowUpstream = StubServer.start();
        StubServer ecsMetadata = StubServer.start()) {
      ecsMetadata.on("/v4/sample-app-container", r -> StubServer.Reply.text(200, "application/json", CONTAINER_METADATA));
      ecsMetadata.on("/v4/sample-app-container/task", r -> StubServer.Reply.text(200, "application/json", TASK_METADATA));
      slowUpstream.on("/slow", request -> {
        upstreamReached.countDown();
        Thread.sleep(1000); // still in flight when SIGTERM arrives
        return StubServer.Reply.text(200, "text/plain", "done");
      });
      Map<String, String> env = Map.ofEntries(
          Map.entry("PORT", "0"),
          Map.entry("BIND_ADDRESS", "127.0.0.1"),
          Map.entry("SHUTDOWN_GRACE_SECONDS", "5"),
          Map.entry("OUTGOING_HTTP_URL", slowUpstream.uri("/slow").toString()),
          Map.entry("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9"),
          Map.entry("ECS_CONTAINER_METADATA_URI_V4", ecsMetadata.uri("/v4/sample-app-container").toString()),
          Map.entry("OTEL_EXPORTER_OTLP_ENDPOINT", otlp.endpoint()),
          Map.entry("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
          Map.entry("OTEL_TRACES_SAMPLER", "always_on"),
          // Long intervals: whatever arrives was flushed by the SIGTERM path, not by a timer.
          Map.entry("OTEL_BSP_SCHEDULE_DELAY", "600000"),
          Map.entry("OTEL_METRIC_EXPORT_INTERVAL", "600000"));
      ProcessBuilder builder =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp", System.getProperty("java.class.path"),
                  "com.example.ecsotel.Main")
              .redirectErrorStream(true);
      builder.environment().clear();
      builder.environment().putAll(env);
      Path log = Files.createTempFile("sample-app-", ".log");
      builder.redirectOutput(log.toFile());
      Process process = builder.start();
      try {
        int port = awaitPort(log);
        assertThat(healthy(port)).isTrue();

        HttpClient client = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> inFlight = client.sendAsync(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/outgoing-http-call")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(upstreamReached.await(10, TimeUnit.SECONDS)).isTrue();

        process.destroy(); // SIGTERM

        HttpResponse<String> response = inFlight.get(15, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isEqualTo(0);
        assertThat(healthy(port)).isFalse();

        List<Span> spans = otlp.spans();
        assertThat(spans).extracting(Span::getName)
            .contains("GET /outgoing-http-call", "outgoing-http-call", "GET");
        Span server = spans.stream().filter(s -> s.getName().equals("GET /outgoing-http-call")).findFirst().orElseThrow();
        assertThat(server.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
        Resource resource = otlp.traceRequests().get(0).getResourceSpans(0).getResource();
        assertThat(stringAttribute(resource.getAttributesList(), "service.name")).isEqualTo("sample-app");
        // ECS origin for X-Ray, and the log group links for trace-to-logs, from the task metadata.
        assertThat(stringAttribute(resource.getAttributesList(), "cloud.platform")).isEqualTo("aws_ecs");
        assertThat(stringAttribute(resource.getAttributesList(), "aws.ecs.task.arn"))
            .isEqualTo("arn:aws:ecs:us-west-2:111122223333:task/demo/0123456789abcdef");
        assertThat(stringAttribute(resource.getAttributesList(), "aws.ecs.launchtype")).isEqualTo("fargate");
        assertThat(resource.getAttributesList()).anySatisfy(kv -> {
          assertThat(kv.getKey()).isEqualTo("aws.log.group.names");
          assertThat(kv.getValue().getArrayValue().getValues(0).getStringValue()).isEqualTo("/ecs/sample-app");
        });
        assertThat(otlp.metricNames()).contains("http.server.request.duration", "total_api_requests", "jvm.memory.used");

        // The request log line carries the X-Ray form of the exported server span's ids.
        String traceId = HexFormat.of().formatHex(server.getTraceId().toByteArray());
        String spanId = HexFormat.of().formatHex(server.getSpanId().toByteArray());
        String expected = "AWS-XRAY-TRACE-ID: 1-" + traceId.substring(0, 8) + "-" + traceId.substring(8) + "@" + spanId;
        List<String> output = Files.readAllLines(log, StandardCharsets.UTF_8);
        assertThat(output).as("child output").anySatisfy(line -> assertThat(line).contains("route=/outgoing-http-call").contains(expected));
      } finally {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
        Files.deleteIfExists(log);
      }
    }
  }

  /** What the image's /app/healthcheck verifies: GET /health on loopback answers 200 within 2 s. */
  private static boolean healthy(int port) {
    try {
      HttpResponse<Void> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
              .timeout(java.time.Duration.ofSeconds(2)).build(),
          HttpResponse.BodyHandlers.discarding());
      return response.statusCode() == 200;
    } catch (java.io.IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static int awaitPort(Path log) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Matcher m = LISTENING.matcher(Files.readString(log, StandardCharsets.UTF_8));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
      Thread.sleep(50);
    }
    throw new AssertionError("app did not start; output:\n" + Files.readString(log));
  }

  private static String stringAttribute(List<KeyValue> attributes, String key) {
    return attributes.stream().filter(kv -> kv.getKey().equals(key)).map(kv -> kv.getValue().getStringValue())
        .findFirst().orElse(null);
  }
}
