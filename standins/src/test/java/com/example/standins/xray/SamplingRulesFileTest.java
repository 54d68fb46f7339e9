package com.example.standins.xray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.standins.Standins;
import com.example.standins.StandinsConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The project's rules file (deploy/xray-sampling-rules.json) is what the stand-in serves at start and after reset. */
class SamplingRulesFileTest {
  private static final Path RULES_FILE = Path.of("..", "deploy", "xray-sampling-rules.json");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void servesTheProjectsRulesFileAtStartAndAfterReset() throws Exception {
    JsonNode file = JSON.readTree(Files.readAllBytes(RULES_FILE));
    SamplingRules rules = SamplingRules.create(Clock.systemUTC(), file);

    assertThat(rules.rules()).extracting(r -> r.path("RuleName").asText())
        .containsExactly("sample-app-orders", "Default");
    JsonNode orders = rules.rules().get(0);
    assertThat(orders.path("URLPath").asText()).isEqualTo("/orders/*");
    assertThat(orders.path("ServiceName").asText()).isEqualTo("sample-app");
    assertThat(orders.path("FixedRate").asDouble()).isEqualTo(file.at("/SamplingRules/0/FixedRate").asDouble());

    rules.replace(JSON.readTree("[{\"RuleName\":\"Default\",\"FixedRate\":1.0,\"ReservoirSize\":0}]"));
    assertThat(rules.rules()).hasSize(1);
    rules.reset();
    assertThat(rules.rules()).extracting(r -> r.path("RuleName").asText())
        .containsExactly("sample-app-orders", "Default");
  }

  @Test
  void fileDefaultIsXraysBuiltInDefaultRule() throws Exception {
    // X-Ray's default rule: a reservoir of 1 request per second, then 5 % of additional requests.
    JsonNode fileDefault = JSON.readTree(Files.readAllBytes(RULES_FILE)).at("/SamplingRules/1");
    assertThat(fileDefault.path("RuleName").asText()).isEqualTo("Default");
    assertThat(fileDefault.path("ReservoirSize").asInt()).isEqualTo(1);
    assertThat(fileDefault.path("FixedRate").asDouble()).isEqualTo(0.05);
    assertThat(SamplingRules.defaultRule(0.05, 1).path("Priority").asInt())
        .isEqualTo(fileDefault.path("Priority").asInt());
  }

  @Test
  void aBrokenRulesFileStopsTheStandinsNamingTheVariable(@TempDir Path dir) throws Exception {
    Path broken = dir.resolve("rules.json");
    Files.writeString(broken, "[{\"RuleName\":\"x\",\"FixedRate\":7,\"ReservoirSize\":1}]");
    StandinsConfig config = StandinsConfig.fromEnvironment(Map.of(
        "SAMPLING_RULES_FILE", broken.toString(), "XRAY_PORT", "0", "AMP_PORT", "0", "S3_PORT", "0",
        "ECS_METADATA_PORT", "0"));

    assertThatThrownBy(() -> Standins.start(config, Clock.systemUTC()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("SAMPLING_RULES_FILE " + broken)
        .hasMessageContaining("FixedRate must be a number within 0..1");
  }
}
