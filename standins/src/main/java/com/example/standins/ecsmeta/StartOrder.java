package com.example.standins.ecsmeta;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where each container of the fake task stands in the start order ECS gives task-definition.json, as the agent's
 * container KnownStatus says it. A container with dependsOn is not created (NONE) until it runs, and the first sign
 * that it runs is its own first call to its endpoint. A container that another one waits for with COMPLETE or
 * SUCCESS (collector-storage-init, for the collector) runs to completion: ECS starts the waiting one only after it
 * exited, so once that one runs it is STOPPED. A stand-in that showed it RUNNING, or not at all, would hide what the
 * collector's ecs detector and awsecscontainermetrics receiver really see on ECS.
 */
final class StartOrder {
  /** The agent's container statuses the stand-in shows (it skips the short PULLED/CREATED steps). */
  enum State { NONE, RUNNING, STOPPED }

  private final TaskDefinitionFacts facts;
  private final List<String> containers;
  private final Set<String> started = ConcurrentHashMap.newKeySet();

  StartOrder(TaskDefinitionFacts facts, List<String> containers) {
    this.facts = requireNonNull(facts, "facts");
    this.containers = List.copyOf(containers);
    for (String name : this.containers) {
      if (facts.container(name).dependsOn().isEmpty()) {
        started.add(name);   // ECS starts these with the task
      }
    }
  }

  /** {@code container} called its own endpoint, so it has started (a container that has exited cannot call). */
  void calledBy(String container) {
    started.add(requireNonNull(container, "container"));
  }

  State state(String container) {
    if (exited(container)) {
      return State.STOPPED;
    }
    return started.contains(container) ? State.RUNNING : State.NONE;
  }

  // True once a container that waits for this one's exit has started: ECS started it only after the exit.
  private boolean exited(String container) {
    for (String other : containers) {
      if (started.contains(other) && facts.container(other).waitsForExitOf(container)) {
        return true;
      }
    }
    return false;
  }
}
