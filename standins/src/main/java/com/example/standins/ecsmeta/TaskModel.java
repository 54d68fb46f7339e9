package com.example.standins.ecsmeta;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * One fake Fargate task, shaped like the "Task metadata endpoint version 4" Fargate examples in the ECS documentation:
 * the sample app and the ADOT collector sidecar, awsvpc networking, awslogs logging. Memory limits and log groups
 * are the repository's task-definition.json's; whether a container is RUNNING yet is the caller's (start order).
 */
final class TaskModel {
  static final String ACCOUNT = "111122223333";
  static final String CLUSTER = "ecs-otel-sample";
  static final String TASK_ID = "5e1f0d5c1a2b4c3d8e9f0a1b2c3d4e5f";
  static final String FAMILY = "ecs-otel-sample";
  static final String REVISION = "1";
  static final List<String> CONTAINERS = List.of("sample-app", "aws-otel-collector");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String region;
  private final Instant startedAt;
  private final TaskDefinitionFacts facts;

  TaskModel(String region, Instant startedAt, TaskDefinitionFacts facts) {
    this.region = region;
    this.startedAt = startedAt;
    this.facts = facts;
    CONTAINERS.forEach(facts::container);   // fails at start if the task definition lacks one
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
    return TASK_ID + "-" + (container.equals("sample-app") ? "1234567890" : "2345678901");
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
   * A container's metadata. One that is not {@code running} yet has not been created: the agent reports its
   * container.GetKnownStatus(), NONE (PENDING is only the ECS API's task status), an empty DockerId, and omits
   * CreatedAt and StartedAt (amazon-ecs-agent tmds v2 ContainerResponse).
   */
  ObjectNode container(String name, boolean running) {
    boolean app = name.equals("sample-app");
    ObjectNode c = JSON.createObjectNode();
    c.put("DockerId", running ? dockerId(name) : "");
    c.put("Name", name);
    c.put("DockerName", name);
    c.put("Image", app ? ACCOUNT + ".dkr.ecr." + region + ".amazonaws.com/ecs-otel-sample:1.0.0"
        : "public.ecr.aws/aws-observability/aws-otel-collector:v0.49.0");
    c.put("ImageID", "sha256:" + (app ? "a" : "b").repeat(64));
    ObjectNode labels = c.putObject("Labels");
    labels.put("com.amazonaws.ecs.cluster", clusterArn());
    labels.put("com.amazonaws.ecs.container-name", name);
    labels.put("com.amazonaws.ecs.task-arn", taskArn());
    labels.put("com.amazonaws.ecs.task-definition-family", FAMILY);
    labels.put("com.amazonaws.ecs.task-definition-version", REVISION);
    c.put("DesiredStatus", "RUNNING");
    c.put("KnownStatus", running ? "RUNNING" : "NONE");
    c.putObject("Limits").put("CPU", facts.container(name).cpuUnits()).put("Memory", facts.container(name).memoryMib());
    if (running) {
      c.put("CreatedAt", startedAt.toString());
      c.put("StartedAt", startedAt.plusMillis(500).toString());
    }
    c.put("Type", "NORMAL");
    c.put("LogDriver", "awslogs");
    ObjectNode log = c.putObject("LogOptions");
    log.put("awslogs-create-group", "true");
    log.put("awslogs-group", facts.container(name).logGroup());
    log.put("awslogs-region", region);
    log.put("awslogs-stream", "ecs/" + name + "/" + TASK_ID);
    c.put("ContainerARN", "arn:aws:ecs:" + region + ":" + ACCOUNT + ":container/" + CLUSTER + "/" + TASK_ID + "/"
        + (app ? "0f4c2a1e-8b7d-4f6e-9a3c-1b2d3e4f5a6b" : "7a8b9c0d-1e2f-4a3b-8c5d-6e7f8a9b0c1d"));
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
    return c;
  }

  /** The task's metadata, each container RUNNING or not as {@code running} says. */
  ObjectNode task(java.util.function.Predicate<String> running) {
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
    CONTAINERS.forEach(name -> containers.add(container(name, running.test(name))));
    t.putObject("ClockDrift").put("ClockErrorBound", 0.5).put("ReferenceTimestamp", startedAt.toString())
        .put("ClockSynchronizationStatus", "SYNCHRONIZED");
    t.putObject("EphemeralStorageMetrics").put("Utilized", 261).put("Reserved", 20496);
    t.put("VPCID", "vpc-0123456789abcdef0");
    t.put("ServiceName", "ecs-otel-sample");
    return t;
  }
}
