package com.example.standins.ecsmeta;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the fake task takes from the repository's task-definition.json (bundled into the jar at build time), so the
 * metadata the collector and the app read says what ECS would say for that task definition: the task's and each
 * container's cpu units and memory limit, each container's image and awslogs group, whether it has a restart policy
 * (the agent then reports its RestartCount), and which containers wait for another one (dependsOn, with the
 * condition) and so are not RUNNING when the first ones start.
 */
record TaskDefinitionFacts(int taskCpuUnits, int taskMemoryMib, Map<String, Container> containers) {
  static final String RESOURCE = "/task-definition.json";

  /**
   * One container definition: its cpu units (0 if unset), memory limit (MiB, 0 if unset), image (placeholders
   * left as they are), awslogs group, whether {@code restartPolicy.enabled} is set, and what it waits for: container
   * name to dependsOn condition (START, COMPLETE, SUCCESS, HEALTHY).
   */
  record Container(String name, int cpuUnits, int memoryMib, String image, String logGroup, boolean restartPolicy,
      Map<String, String> dependsOn) {
    Container {
      requireNonNull(name, "name");
      requireNonNull(image, "image");
      requireNonNull(logGroup, "logGroup");
      dependsOn = Map.copyOf(requireNonNull(dependsOn, "dependsOn"));
    }

    /**
     * Whether this container starts only after {@code other} has exited: ECS's COMPLETE and SUCCESS conditions
     * (SUCCESS also needs exit code 0). START and HEALTHY wait for {@code other} to run, not to end.
     */
    boolean waitsForExitOf(String other) {
      String condition = dependsOn.get(other);
      return "SUCCESS".equals(condition) || "COMPLETE".equals(condition);
    }
  }

  TaskDefinitionFacts {
    containers = Map.copyOf(requireNonNull(containers, "containers"));
  }

  /** The bundled task definition with the stack name {@code stackName} for its {@code ${STACK_NAME}} placeholder. */
  static TaskDefinitionFacts bundled(String stackName) {
    try (InputStream in = TaskDefinitionFacts.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is not in the stand-ins jar: build it from the repository "
            + "(standins/pom.xml copies ../task-definition.json)");
      }
      return parse(new ObjectMapper().readTree(in), stackName);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  static TaskDefinitionFacts parse(JsonNode taskDefinition, String stackName) {
    Map<String, Container> containers = new LinkedHashMap<>();
    for (JsonNode c : taskDefinition.path("containerDefinitions")) {
      String name = c.path("name").asText();
      String group = c.path("logConfiguration").path("options").path("awslogs-group").asText()
          .replace("${STACK_NAME}", stackName);
      Map<String, String> waitsFor = new LinkedHashMap<>();
      c.path("dependsOn").forEach(d -> waitsFor.put(d.path("containerName").asText(), d.path("condition").asText()));
      containers.put(name, new Container(name, c.path("cpu").asInt(0), c.path("memory").asInt(0),
          c.path("image").asText(), group, c.path("restartPolicy").path("enabled").asBoolean(false), waitsFor));
    }
    return new TaskDefinitionFacts(Integer.parseInt(taskDefinition.path("cpu").asText("0")),
        Integer.parseInt(taskDefinition.path("memory").asText("0")), containers);
  }

  Container container(String name) {
    Container c = containers.get(name);
    if (c == null) {
      throw new IllegalStateException("task-definition.json has no container " + name);
    }
    return c;
  }
}
