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
      int mib = definition.path("memory").asInt(0);   // 0: none set (collector-storage-init), as the agent reports
      assertThat(named(task, name).path("Limits").path("Memory").asInt()).as(name).isEqualTo(mib);
      // The container's cpu units as the task definition sets them (0 when it sets none, as the agent reports).
      assertThat(named(task, name).path("Limits").path("CPU").asInt()).as(name)
          .isEqualTo(definition.path("cpu").asInt(0));
      if (named(task, name).path("KnownStatus").asText().equals("RUNNING")) {
        assertThat(mib).as(name).isPositive();
        assertThat(stats.path(TaskModel.dockerId(name)).path("memory_stats").path("limit").asLong()).as(name)
            .isEqualTo(mib * 1024L * 1024L);
      }
      assertThat(named(task, name).path("LogOptions").path("awslogs-group").asText()).as(name).isEqualTo(
          definition.path("logConfiguration").path("options").path("awslogs-group").asText()
              .replace("${STACK_NAME}", "ecs-otel-sample"));
      assertThat(named(task, name).path("Image").asText()).as(name).endsWith(
          definition.path("image").asText().replace("${APP_IMAGE}", "/ecs-otel-sample:1.0.0"));
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
  void taskEndpointDescribesAFargateTaskWithEveryContainerOfTheTaskDefinition() throws Exception {
    JsonNode task = json("/v4/sample-app/task");
    assertThat(task.path("LaunchType").asText()).isEqualTo("FARGATE");
    assertThat(task.path("TaskARN").asText()).startsWith("arn:aws:ecs:us-west-2:111122223333:task/");
    assertThat(task.path("Cluster").asText()).startsWith("arn:aws:ecs:us-west-2:111122223333:cluster/");
    assertThat(task.path("AvailabilityZone").asText()).isEqualTo("us-west-2a");
    assertThat(task.path("Limits").path("Memory").asInt()).isEqualTo(TASK_DEFINITION.path("memory").asInt());
    // ECS lists every container of the task, the init container that has exited too (in no fixed order: the
    // agent walks a Go map).
    java.util.List<String> defined = new java.util.ArrayList<>();
    TASK_DEFINITION.path("containerDefinitions").forEach(c -> defined.add(c.path("name").asText()));
    assertThat(task.path("Containers").findValuesAsText("Name")).containsExactlyInAnyOrderElementsOf(defined)
        .contains("collector-storage-init");
  }

  @Test
  void initContainerIsStoppedWithExitCodeZeroBeforeTheCollectorStarts() throws Exception {
    // The collector waits for collector-storage-init with condition SUCCESS: when the collector first asks (its ecs
    // detector, at its start), the init container has exited 0. The agent keeps listing it with its DockerId,
    // KnownStatus STOPPED, ExitCode and FinishedAt; its DesiredStatus stays RUNNING (the agent changes a container's
    // desired status only with the task's).
    JsonNode task = json("/v4/aws-otel-collector/task");
    JsonNode init = named(task, "collector-storage-init");
    assertThat(definitionOf("aws-otel-collector").path("dependsOn").findValuesAsText("condition")).contains("SUCCESS");
    assertThat(init.path("KnownStatus").asText()).isEqualTo("STOPPED");
    assertThat(init.path("DesiredStatus").asText()).isEqualTo("RUNNING");
    assertThat(init.path("ExitCode").isInt()).isTrue();
    assertThat(init.path("ExitCode").asInt()).isZero();
    assertThat(init.path("DockerId").asText()).isEqualTo(TaskModel.dockerId("collector-storage-init"));
    Instant started = Instant.parse(init.path("StartedAt").asText());
    Instant finished = Instant.parse(init.path("FinishedAt").asText());
    assertThat(finished).isAfter(started)
        .isBefore(Instant.parse(named(task, "aws-otel-collector").path("CreatedAt").asText()));
    assertThat(init.path("Image").asText()).isEqualTo(named(task, "sample-app").path("Image").asText());
    // The running ones have no exit code and no FinishedAt.
    assertThat(named(task, "aws-otel-collector").has("ExitCode")).isFalse();
    assertThat(named(task, "aws-otel-collector").has("FinishedAt")).isFalse();
    // Asking with its id does not bring it back: a container that has exited cannot call.
    assertThat(json("/v4/collector-storage-init").path("KnownStatus").asText()).isEqualTo("STOPPED");
  }

  @Test
  void initContainerRunsUntilTheContainerWaitingForItsExitStarts() throws Exception {
    // Before the collector starts, ECS has only the init container running (it has no dependsOn); the collector is
    // not created. The collector's first call is the sign that the init container has exited.
    JsonNode early = json("/v4/collector-storage-init/task");
    assertThat(named(early, "collector-storage-init").path("KnownStatus").asText()).isEqualTo("RUNNING");
    assertThat(named(early, "collector-storage-init").has("ExitCode")).isFalse();
    assertThat(named(early, "aws-otel-collector").path("KnownStatus").asText()).isEqualTo("NONE");
    assertThat(json("/v4/collector-storage-init/task/stats").path(TaskModel.dockerId("collector-storage-init"))
        .path("memory_stats").path("limit").asLong()).isEqualTo(TASK_DEFINITION.path("memory").asLong() << 20);
    json("/v4/aws-otel-collector");
    assertThat(named(json("/v4/collector-storage-init/task"), "collector-storage-init").path("KnownStatus").asText())
        .isEqualTo("STOPPED");
  }

  @Test
  void exitedInitContainerHasAnEmptyTaskStatsEntryAndNoContainerStats() throws Exception {
    // agent/handlers/v4/stats_response.go: every created container is a key; one the stats engine dropped (it
    // stopped) gets an empty StatsResponse, encoded {}. awsecscontainermetrics treats {} (no id) like null.
    JsonNode stats = json("/v4/aws-otel-collector/task/stats");
    JsonNode entry = stats.path(TaskModel.dockerId("collector-storage-init"));
    assertThat(entry.isObject()).as("%s", stats).isTrue();
    assertThat(entry.size()).isZero();
    assertThat(stats.path(TaskModel.dockerId("aws-otel-collector")).path("id").asText())
        .isEqualTo(TaskModel.dockerId("aws-otel-collector"));
    // Its own stats endpoint: the agent's 500 for a container without stats.
    assertThat(get("/v4/collector-storage-init/stats").statusCode()).isEqualTo(500);
  }

  @Test
  void containersWithARestartPolicyReportRestartCountOnceCreated() throws Exception {
    // ecs-agent tmds v4 ContainerResponse.RestartCount: set when the container's restart policy is enabled, and
    // the agent finds the container by DockerId (so not for one not created yet).
    JsonNode first = json("/v4/aws-otel-collector/task");
    for (String name : TaskModel.CONTAINERS) {
      boolean policy = definitionOf(name).path("restartPolicy").path("enabled").asBoolean(false);
      boolean created = !named(first, name).path("KnownStatus").asText().equals("NONE");
      assertThat(named(first, name).has("RestartCount")).as(name).isEqualTo(policy && created);
    }
    assertThat(named(first, "aws-otel-collector").path("RestartCount").asInt(-1)).isZero();
    assertThat(named(first, "sample-app").has("RestartCount")).isFalse();   // NONE: not created yet
    json("/v4/sample-app");
    JsonNode later = json("/v4/aws-otel-collector/task");
    assertThat(named(later, "sample-app").path("RestartCount").asInt(-1)).isZero();
    assertThat(named(later, "collector-storage-init").has("RestartCount")).isFalse();   // no restartPolicy
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
      if (!container.path("KnownStatus").asText().equals("RUNNING")) {
        continue;   // collector-storage-init has exited: no counters
      }
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
