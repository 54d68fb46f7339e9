package com.example.ecsotel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * The SIGTERM path (drain, executor wait, telemetry flush) fits the app container's ECS stopTimeout with a
 * margin (issue 22, item 6), read from the task definition we ship; a grace that cannot fit fails at start.
 */
class ShutdownBudgetTest {

  @Test
  void theShippedTaskDefinitionsStopFitsItsStopTimeout() throws Exception {
    JsonNode taskDefinition = JsonNode.parser().parse(Files.readString(Path.of("task-definition.json")));
    JsonNode app = taskDefinition.field("containerDefinitions").orElseThrow().asArray().stream()
        .filter(c -> c.field("name").map(JsonNode::text).orElse("").equals("sample-app"))
        .findFirst().orElseThrow();
    // ECS's default stopTimeout is 30 s when the field is absent.
    int stopTimeout = app.field("stopTimeout").map(n -> Integer.parseInt(n.asNumber())).orElse(30);
    Map<String, String> env = new HashMap<>();
    app.field("environment").ifPresent(list -> list.asArray().forEach(e -> {
      String name = e.field("name").orElseThrow().text();
      if (name.equals("SHUTDOWN_GRACE_SECONDS") || name.equals("STOP_TIMEOUT_SECONDS")) {
        env.put(name, e.field("value").orElseThrow().text());
      }
    }));

    ShutdownBudget budget = AppConfig.fromEnv(env).shutdownBudget();

    assertThat(budget.stopTimeout()).as("the app's stopTimeout is the container's").isEqualTo(Duration.ofSeconds(stopTimeout));
    assertThat(budget.telemetryFlush()).isGreaterThanOrEqualTo(ShutdownBudget.MIN_FLUSH);
  }

  @Test
  void aGraceThatCannotFitIsAConfigErrorNamingTheVariable() {
    assertThatThrownBy(() -> AppConfig.fromEnv(Map.of("SHUTDOWN_GRACE_SECONDS", "11")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("SHUTDOWN_GRACE_SECONDS must be at most 10")
        .hasMessageContaining("15 s stopTimeout");
  }

  @Test
  void aStopTimeoutTooShortForAnyGraceIsAConfigErrorNamingIt() {
    for (String stopTimeout : new String[] {"2", "4"}) {
      assertThatThrownBy(() -> AppConfig.fromEnv(Map.of("STOP_TIMEOUT_SECONDS", stopTimeout, "SHUTDOWN_GRACE_SECONDS", "0")))
          .isInstanceOf(ConfigException.class)
          .hasMessageStartingWith("STOP_TIMEOUT_SECONDS must be between 5 and 120");
    }
    assertThatThrownBy(() -> ShutdownBudget.of(4, 0)).hasMessageStartingWith("STOP_TIMEOUT_SECONDS must be at least 5");
    assertThat(ShutdownBudget.of(5, 0).telemetryFlush()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void atTheLargestGraceTheStopFillsTheStopTimeoutToTheMargin() {
    ShutdownBudget tight = ShutdownBudget.of(15, 10);
    assertThat(tight.total()).isEqualTo(Duration.ofSeconds(13)); // 10 drain + 1 executor + 2 flush
    assertThat(tight.total().plus(ShutdownBudget.MARGIN)).isEqualTo(tight.stopTimeout());
  }

  @Test
  void theFlushGetsWhatTheDrainLeavesUpToFiveSeconds() {
    assertThat(ShutdownBudget.of(15, 10).telemetryFlush()).isEqualTo(Duration.ofSeconds(2));
    assertThat(ShutdownBudget.of(15, 5).telemetryFlush()).isEqualTo(Duration.ofSeconds(5));
    ShutdownBudget longer = AppConfig.fromEnv(Map.of("STOP_TIMEOUT_SECONDS", "60", "SHUTDOWN_GRACE_SECONDS", "40"))
        .shutdownBudget();
    assertThat(longer.total()).isEqualTo(Duration.ofSeconds(46));
  }
}
