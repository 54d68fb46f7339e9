package com.example.standins.ecsmeta;

import static java.util.Objects.requireNonNull;

import com.example.standins.Reply;
import com.example.standins.Request;
import com.example.standins.Standin;
import com.example.standins.admin.StandinStats;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import com.example.standins.ecsmeta.StartOrder.State;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * ECS task metadata endpoint v4 stand-in. Point {@code ECS_CONTAINER_METADATA_URI_V4} at
 * {@code http://127.0.0.1:4513/v4/<container>} where {@code <container>} is a container name of the fake task
 * ({@code sample-app}, {@code aws-otel-collector}, {@code collector-storage-init}) or its DockerId. Like the real
 * endpoint, it has no authentication.
 *
 * <p>Start order as ECS runs task-definition.json (StartOrder): a container with {@code dependsOn} (the app waits for
 * the collector to be HEALTHY) is not created (KnownStatus NONE, no DockerId), absent from the task stats, until it
 * runs; the first sign that it runs is its own first call to its endpoint, so from then on it is RUNNING. The
 * collector's {@code ecs} resource detector, which runs once at its start, therefore sees the app NONE, as it would
 * on ECS. collector-storage-init, which the collector waits for with SUCCESS, has exited by then: STOPPED, exit code
 * 0, and an empty task stats entry, as the agent gives a container its stats engine no longer watches.
 */
public final class EcsMetadataStandin implements Standin {
  private static final Pattern ROUTE = Pattern.compile("^/v4/([^/]+)(/task)?(/stats)?/?$");

  private final Clock clock;
  private final Instant startedAt;
  private final TaskModel task;
  private final StartOrder order;

  private EcsMetadataStandin(Clock clock, String region, TaskDefinitionFacts facts) {
    this.clock = clock;
    this.startedAt = clock.instant().minusSeconds(60);
    this.task = new TaskModel(region, startedAt, facts);
    this.order = new StartOrder(facts, TaskModel.CONTAINERS);
  }

  /** The fake task of the repository's task-definition.json (bundled in the jar). */
  public static EcsMetadataStandin create(Clock clock, String region) {
    return create(clock, region, TaskDefinitionFacts.bundled(TaskModel.FAMILY));
  }

  static EcsMetadataStandin create(Clock clock, String region, TaskDefinitionFacts facts) {
    return new EcsMetadataStandin(requireNonNull(clock, "clock"), requireNonNull(region, "region"),
        requireNonNull(facts, "facts"));
  }

  @Override
  public String name() {
    return "ecs-metadata";
  }

  @Override
  public Reply handle(Request request, StandinStats stats) {
    Matcher m = ROUTE.matcher(request.rawPath());
    if (!m.matches()) {
      return notFound("no task metadata endpoint at " + request.rawPath());
    }
    if (!request.method().equals("GET")) {
      return Reply.awsJsonError(405, "MethodNotAllowed", "task metadata is read-only", "method_not_allowed");
    }
    String container = TaskModel.containerFor(m.group(1));
    if (container == null) {
      return notFound("unknown container id '" + m.group(1) + "'; use one of " + TaskModel.CONTAINERS
          + " or their DockerIds");
    }
    order.calledBy(container);   // it calls its own endpoint, so it runs
    boolean taskLevel = m.group(2) != null;
    boolean statsLevel = m.group(3) != null;
    Instant now = clock.instant();
    if (taskLevel && statsLevel) {
      // The agent's v4 task stats: every created container by DockerId. One that exited is no longer watched by
      // its stats engine, so it gets an empty StatsResponse, which Go encodes as {} (not null, as v2/v3 did).
      ObjectNode all = Reply.JSON.createObjectNode();
      for (String name : TaskModel.CONTAINERS) {
        State state = order.state(name);
        if (state == State.RUNNING) {
          all.set(TaskModel.dockerId(name), stats(name, now));
        } else if (state == State.STOPPED) {
          all.putObject(TaskModel.dockerId(name));
        }
      }
      return Reply.json(200, all);
    }
    if (taskLevel) {
      return Reply.json(200, task.task(order::state));
    }
    if (statsLevel) {
      if (order.state(container) == State.STOPPED) {
        // The agent's v4 container stats for a container its stats engine dropped: 500 and a JSON string.
        String body = "\"Unable to get container stats for: " + TaskModel.dockerId(container) + "\"";
        return new Reply(500, Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8),
            "stats_unavailable", container + " has exited");
      }
      return Reply.json(200, stats(container, now));
    }
    return Reply.json(200, task.container(container, order.state(container)));
  }

  private ObjectNode stats(String container, Instant now) {
    // A container with no memory of its own (collector-storage-init) is held by the task's limit.
    int mib = task.facts().container(container).memoryMib();
    return ContainerStats.stats(container, TaskModel.dockerId(container),
        mib > 0 ? mib : task.facts().taskMemoryMib(), startedAt, now);
  }

  private static Reply notFound(String message) {
    return Reply.awsJsonError(404, "NotFound", message, "not_found");
  }
}
