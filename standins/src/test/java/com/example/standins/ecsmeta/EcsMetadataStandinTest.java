package com.example.standins.ecsmeta;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.standins.StandinServer;
import com.example.standins.TestSigning;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EcsMetadataStandinTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode TASK_DEFINITION = readTaskDefinition();

  private static JsonNode readTaskDefinition() {
    try {
      return JSON.readTree(java.nio.file.Path.of("..", "task-definition.json").toFile());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static JsonNode definitionOf(String container) {
    for (JsonNode c : TASK_DEFINITION.path("containerDefinitions")) {
      if (c.path("name").asText().equals(container)) {
        return c;
      }
    }
    throw new AssertionError("task-definition.json has no " + container);
  }

  private static JsonNode named(JsonNode task, String container) {
    for (JsonNode c : task.path("Containers")) {
      if (c.path("Name").asText().equals(container)) {
        return c;
      }
    }
    throw new AssertionError("the task has no " + container);
  }

  @Test
  void appThatDependsOnTheCollectorIsNotCreatedUntilItRunsAsOnEcs() throws Exception {
    // The collector starts first (the app waits for it to be HEALTHY): its resource detection sees the app not yet
    // created. The agent reports container.GetKnownStatus(): NONE (PENDING is only the ECS API's task status);
    // CreatedAt/StartedAt are omitted until set and DockerId is empty until the container exists.
    JsonNode first = json("/v4/aws-otel-collector/task");
    assertThat(named(first, "aws-otel-collector").path("KnownStatus").asText()).isEqualTo("RUNNING");
    assertThat(named(first, "aws-otel-collector").has("CreatedAt")).isTrue();
    JsonNode app = named(first, "sample-app");
    assertThat(app.path("KnownStatus").asText()).isEqualTo("NONE");
    assertThat(app.has("StartedAt")).isFalse();
    assertThat(app.has("CreatedAt")).isFalse();
    assertThat(app.path("DockerId").asText()).isEmpty();
    assertThat(json("/v4/aws-otel-collector/task/stats").has(TaskModel.dockerId("sample-app"))).isFalse();
    // The app's first call to its own endpoint is the first sign it runs.
    assertThat(json("/v4/sample-app").path("KnownStatus").asText()).isEqualTo("RUNNING");
    JsonNode later = json("/v4/aws-otel-collector/task");
    assertThat(named(later, "sample-app").path("KnownStatus").asText()).isEqualTo("RUNNING");
    assertThat(json("/v4/aws-otel-collector/task/stats").has(TaskModel.dockerId("sample-app"))).isTrue();
  }

  @Test
  void memoryLimitsAndLogGroupsAreTheTaskDefinitions() throws Exception {
    json("/v4/sample-app");
    JsonNode task = json("/v4/aws-otel-collector/task");
    JsonNode stats = json("/v4/aws-otel-collector/task/stats");
    for (String name : TaskModel.CONTAINERS) {
      JsonNode definition = definitionOf(name);
      int mib = definition.path("memory").asInt();
      assertThat(mib).as(name).isPositive();
      assertThat(named(task, name).path("Limits").path("Memory").asInt()).as(name).isEqualTo(mib);
      // The container's cpu units as the task definition sets them (0 when it sets none, as the agent reports).
      assertThat(named(task, name).path("Limits").path("CPU").asInt()).as(name)
          .isEqualTo(definition.path("cpu").asInt(0));
      assertThat(stats.path(TaskModel.dockerId(name)).path("memory_stats").path("limit").asLong()).as(name)
          .isEqualTo(mib * 1024L * 1024L);
      assertThat(named(task, name).path("LogOptions").path("awslogs-group").asText()).as(name).isEqualTo(
          definition.path("logConfiguration").path("options").path("awslogs-group").asText()
              .replace("${STACK_NAME}", "ecs-otel-sample"));
    }
    assertThat(task.path("Limits").path("CPU").asDouble()).isEqualTo(TASK_DEFINITION.path("cpu").asInt() / 1024.0);
  }
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T12:00:00Z"));
  private StandinServer server;

  @BeforeEach
  void start() throws Exception {
    server = StandinServer.start(EcsMetadataStandin.create(clock, "us-west-2"), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<byte[]> get(String path) {
    return TestSigning.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path)).GET().build());
  }

  private JsonNode json(String path) throws Exception {
    HttpResponse<byte[]> response = get(path);
    assertThat(response.statusCode()).as(path).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  @Test
  void containerEndpointAnswersAsThatContainer() throws Exception {
    JsonNode app = json("/v4/sample-app");
    assertThat(app.path("Name").asText()).isEqualTo("sample-app");
    assertThat(app.path("LogDriver").asText()).isEqualTo("awslogs");
    assertThat(app.path("LogOptions").path("awslogs-group").asText()).isEqualTo("/ecs/ecs-otel-sample/sample-app");
    assertThat(app.path("LogOptions").path("awslogs-stream").asText()).startsWith("ecs/sample-app/");
    assertThat(app.path("ContainerARN").asText()).startsWith("arn:aws:ecs:us-west-2:");
    JsonNode collector = json("/v4/" + app.path("DockerId").asText().replace("1234567890", "2345678901"));
    assertThat(collector.path("Name").asText()).isEqualTo("aws-otel-collector");
    assertThat(get("/v4/nobody").statusCode()).isEqualTo(404);
  }

  @Test
  void taskEndpointDescribesAFargateTaskWithBothContainers() throws Exception {
    JsonNode task = json("/v4/sample-app/task");
    assertThat(task.path("LaunchType").asText()).isEqualTo("FARGATE");
    assertThat(task.path("TaskARN").asText()).startsWith("arn:aws:ecs:us-west-2:111122223333:task/");
    assertThat(task.path("Cluster").asText()).startsWith("arn:aws:ecs:us-west-2:111122223333:cluster/");
    assertThat(task.path("AvailabilityZone").asText()).isEqualTo("us-west-2a");
    assertThat(task.path("Limits").path("Memory").asInt()).isEqualTo(TASK_DEFINITION.path("memory").asInt());
    assertThat(task.path("Containers").findValuesAsText("Name"))
        .containsExactly("sample-app", "aws-otel-collector");
  }

  @Test
  void statsCountersIncreaseOverTime() throws Exception {
    // Both containers have dependsOn (the collector waits for collector-storage-init, the app for the collector):
    // each is created once it runs, and its own first call is the sign of that, as the collector's ecs detector
    // makes at its start.
    json("/v4/aws-otel-collector");
    JsonNode first = json("/v4/sample-app/task/stats");
    clock.advance(Duration.ofSeconds(10));
    JsonNode second = json("/v4/sample-app/task/stats");
    JsonNode task = json("/v4/sample-app/task");
    for (JsonNode container : task.path("Containers")) {
      String id = container.path("DockerId").asText();
      assertThat(second.has(id)).isTrue();
      assertThat(second.path(id).path("cpu_stats").path("cpu_usage").path("total_usage").asLong())
          .isGreaterThan(first.path(id).path("cpu_stats").path("cpu_usage").path("total_usage").asLong());
      assertThat(second.path(id).path("networks").path("eth1").path("rx_bytes").asLong())
          .isGreaterThan(first.path(id).path("networks").path("eth1").path("rx_bytes").asLong());
      assertThat(second.path(id).path("blkio_stats").path("io_service_bytes_recursive").get(0).path("value")
          .asLong()).isGreaterThan(first.path(id).path("blkio_stats").path("io_service_bytes_recursive").get(0)
          .path("value").asLong());
      assertThat(second.path(id).path("memory_stats").path("limit").asLong()).isPositive();
    }
    assertThat(json("/v4/sample-app/stats").path("name").asText()).isEqualTo("sample-app");
  }

  /** A clock the test moves forward by hand: no sleeping, no timing assumptions. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration by) {
      now = now.plus(by);
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
