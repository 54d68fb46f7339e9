package com.example.standins.ecsmeta;

import com.example.standins.ecsmeta.StartOrder.State;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * One fake Fargate task, shaped like the "Task metadata endpoint version 4" Fargate examples in the ECS documentation:
 * the containers of the repository's task-definition.json (the sample app, the ADOT collector sidecar and the
 * collector-storage-init container that prepares the collector's volume), awsvpc networking, awslogs logging.
 * Images, limits, log groups and restart policies are the task definition's; where a container stands in the start
 * order (NONE, RUNNING, STOPPED) is the caller's (StartOrder).
 */
final class TaskModel {
  static final String ACCOUNT = "111122223333";
  static final String CLUSTER = "ecs-otel-sample";
  static final String TASK_ID = "5e1f0d5c1a2b4c3d8e9f0a1b2c3d4e5f";
  static final String FAMILY = "ecs-otel-sample";
  static final String REVISION = "1";
  static final String INIT = "collector-storage-init";
  static final List<String> CONTAINERS = List.of("sample-app", "aws-otel-collector", INIT);

  private static final Map<String, String> DOCKER_ID_SUFFIX = Map.of(
      "sample-app", "1234567890", "aws-otel-collector", "2345678901", INIT, "3456789012");
  private static final Map<String, String> CONTAINER_UUID = Map.of(
      "sample-app", "0f4c2a1e-8b7d-4f6e-9a3c-1b2d3e4f5a6b",
      "aws-otel-collector", "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d",
      INIT, "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String region;
  private final Instant startedAt;
  private final TaskDefinitionFacts facts;

  TaskModel(String region, Instant startedAt, TaskDefinitionFacts facts) {
    this.region = region;
    this.startedAt = startedAt;
    this.facts = facts;
    // Fails at start if task-definition.json gains or loses a container: the fake task must list what ECS would.
    if (!facts.containers().keySet().equals(Set.copyOf(CONTAINERS))) {
      throw new IllegalStateException("task-definition.json has the containers " + facts.containers().keySet()
          + ", the ECS metadata stand-in models " + CONTAINERS + ": add the new one to TaskModel");
    }
  }

  TaskDefinitionFacts facts() {
    return facts;
  }

  String clusterArn() {
    return "arn:aws:ecs:" + region + ":" + ACCOUNT + ":cluster/" + CLUSTER;
  }

  String taskArn() {
    return "arn:aws:ecs:" + region + ":" + ACCOUNT + ":task/" + CLUSTER + "/" + TASK_ID;
  }

  static String dockerId(String container) {
    return TASK_ID + "-" + DOCKER_ID_SUFFIX.get(container);
  }

  /** Resolves the {id} of /v4/{id}: a container name or DockerId; null when unknown. */
  static String containerFor(String id) {
    for (String name : CONTAINERS) {
      if (name.equals(id) || dockerId(name).equals(id)) {
        return name;
      }
    }
    return null;
  }

  /**
   * A container's metadata, as the agent's v2/v4 ContainerResponse has it. Not created yet (NONE): KnownStatus NONE
   * (PENDING is only the ECS API's task status), an empty DockerId, no CreatedAt/StartedAt, and no RestartCount (the
   * agent adds it after looking the container up by DockerId). Exited (STOPPED): its DockerId, ExitCode and
   * FinishedAt; DesiredStatus stays RUNNING, as the agent changes a container's desired status only with the
   * task's (a non-essential container's own exit does not stop the task).
   */
  ObjectNode container(String name, State state) {
    TaskDefinitionFacts.Container definition = facts.container(name);
    String image = definition.image().replace("${APP_IMAGE}", appImage());
    ObjectNode c = JSON.createObjectNode();
    c.put("DockerId", state == State.NONE ? "" : dockerId(name));
    c.put("Name", name);
    c.put("DockerName", name);
    c.put("Image", image);
    c.put("ImageID", "sha256:" + (image.equals(appImage()) ? "a" : "b").repeat(64));
    ObjectNode labels = c.putObject("Labels");
    labels.put("com.amazonaws.ecs.cluster", clusterArn());
    labels.put("com.amazonaws.ecs.container-name", name);
    labels.put("com.amazonaws.ecs.task-arn", taskArn());
    labels.put("com.amazonaws.ecs.task-definition-family", FAMILY);
    labels.put("com.amazonaws.ecs.task-definition-version", REVISION);
    c.put("DesiredStatus", "RUNNING");
    c.put("KnownStatus", state.name());
    if (state == State.STOPPED) {
      c.put("ExitCode", 0);   // collector-storage-init prints the JVM version and exits 0 (dependsOn SUCCESS)
    }
    c.putObject("Limits").put("CPU", definition.cpuUnits()).put("Memory", definition.memoryMib());
    // One that runs to completion did so before the others were created (they wait for its exit): ~1.5 s of JVM.
    Instant created = name.equals(INIT) ? startedAt.minusSeconds(3) : startedAt;
    if (state != State.NONE) {
      c.put("CreatedAt", created.toString());
      c.put("StartedAt", created.plusMillis(500).toString());
    }
    if (state == State.STOPPED) {
      c.put("FinishedAt", created.plusMillis(2000).toString());
    }
    c.put("Type", "NORMAL");
    c.put("LogDriver", "awslogs");
    ObjectNode log = c.putObject("LogOptions");
    log.put("awslogs-create-group", "true");
    log.put("awslogs-group", definition.logGroup());
    log.put("awslogs-region", region);
    log.put("awslogs-stream", "ecs/" + name + "/" + TASK_ID);
    c.put("ContainerARN", "arn:aws:ecs:" + region + ":" + ACCOUNT + ":container/" + CLUSTER + "/" + TASK_ID + "/"
        + CONTAINER_UUID.get(name));
    // Data only, copied from the shape of AWS's documented Fargate example: nothing (stand-in, collector,
    // app or test) ever connects to these addresses; every test talks to loopback.
    ObjectNode net = c.putArray("Networks").addObject();
    net.put("NetworkMode", "awsvpc");
    net.putArray("IPv4Addresses").add("10.0.2.61");
    net.put("AttachmentIndex", 0);
    net.put("MACAddress", "0e:10:e2:01:bd:91");
    net.put("IPv4SubnetCIDRBlock", "10.0.2.0/24");
    net.putArray("DomainNameServers").add("10.0.0.2");
    net.putArray("DomainNameSearchList").add(region + ".compute.internal");
    net.put("PrivateDNSName", "ip-10-0-2-61." + region + ".compute.internal");
    net.put("SubnetGatewayIpv4Address", "10.0.2.1/24");
    c.put("Snapshotter", "overlayfs");
    if (definition.restartPolicy() && state != State.NONE) {
      // v4 ContainerResponse.RestartCount, set when the restart policy is enabled. The stand-in never restarts a
      // container, so 0 (a collector restarted by compose is not seen here).
      c.put("RestartCount", 0);
    }
    return c;
  }

  /** The task's metadata, each container in the state {@code state} gives it. */
  ObjectNode task(Function<String, State> state) {
    ObjectNode t = JSON.createObjectNode();
    t.put("Cluster", clusterArn());
    t.put("TaskARN", taskArn());
    t.put("Family", FAMILY);
    t.put("Revision", REVISION);
    t.put("DesiredStatus", "RUNNING");
    t.put("KnownStatus", "RUNNING");
    t.putObject("Limits").put("CPU", facts.taskCpuUnits() / 1024.0).put("Memory", facts.taskMemoryMib());
    t.put("PullStartedAt", startedAt.minusSeconds(20).toString());
    t.put("PullStoppedAt", startedAt.minusSeconds(5).toString());
    t.put("AvailabilityZone", region + "a");
    t.put("LaunchType", "FARGATE");
    var containers = t.putArray("Containers");
    CONTAINERS.forEach(name -> containers.add(container(name, state.apply(name))));
    t.putObject("ClockDrift").put("ClockErrorBound", 0.5).put("ReferenceTimestamp", startedAt.toString())
        .put("ClockSynchronizationStatus", "SYNCHRONIZED");
    t.putObject("EphemeralStorageMetrics").put("Utilized", 261).put("Reserved", 20496);
    t.put("VPCID", "vpc-0123456789abcdef0");
    t.put("ServiceName", "ecs-otel-sample");
    return t;
  }

  private String appImage() {
    return ACCOUNT + ".dkr.ecr." + region + ".amazonaws.com/ecs-otel-sample:1.0.0";
  }
}
