package com.example.ecsotel.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AppConfigTest {
  @Test
  void defaultsMatchTheDocumentedValues() {
    AppConfig config = AppConfig.fromEnv(Map.of());

    assertThat(config.port()).isEqualTo(8080);
    assertThat(config.bindAddress()).isEqualTo("0.0.0.0");
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(config.outgoingHttpUrl()).isEqualTo(URI.create("https://aws.amazon.com"));
    assertThat(config.awsRegion()).isEqualTo("us-west-2");
    assertThat(config.s3Endpoint()).isEmpty();
    assertThat(config.peers()).isEmpty();
    assertThat(config.ordersErrorRate()).isZero();
    assertThat(config.rejectInvalidTraceHeaders()).isFalse(); // W3C: ignore a malformed header
    assertThat(config.telemetry().xraySamplingEndpoint()).isEqualTo(URI.create("http://localhost:2000"));
    assertThat(config.telemetry().xraySamplingPollInterval()).isEqualTo(Duration.ofSeconds(300));
    assertThat(config.telemetry().ecsMetadataAvailable()).isFalse();
  }

  @Test
  void readsEveryVariable() {
    AppConfig config = AppConfig.fromEnv(Map.ofEntries(
        Map.entry("PORT", "8081"),
        Map.entry("SAMPLE_APP_PEERS", "http://127.0.0.1:8080, http://127.0.0.1:8082"),
        Map.entry("AWS_REGION", "eu-central-1"),
        Map.entry("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4512"),
        Map.entry("ORDERS_LATENCY_MS", "150"),
        Map.entry("ORDERS_ERROR_RATE", "0.25"),
        Map.entry("SHUTDOWN_GRACE_SECONDS", "3"),
        Map.entry("XRAY_SAMPLING_POLL_SECONDS", "5"),
        Map.entry("ECS_CONTAINER_METADATA_URI_V4", "http://127.0.0.1:4513/v4/sample-app-container")));

    assertThat(config.port()).isEqualTo(8081);
    assertThat(config.peers()).containsExactly(URI.create("http://127.0.0.1:8080"), URI.create("http://127.0.0.1:8082"));
    assertThat(config.awsRegion()).isEqualTo("eu-central-1");
    assertThat(config.s3Endpoint()).contains(URI.create("http://127.0.0.1:4512"));
    assertThat(config.ordersLatency()).isEqualTo(Duration.ofMillis(150));
    assertThat(config.ordersErrorRate()).isEqualTo(0.25);
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(3));
    assertThat(config.telemetry().xraySamplingPollInterval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.telemetry().ecsMetadataAvailable()).isTrue();
  }

  @Test
  void blankValuesMeanUnset() {
    assertThat(AppConfig.fromEnv(Map.of("PORT", " ", "SAMPLE_APP_PEERS", "")).port()).isEqualTo(8080);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "PORT|http",
      "PORT|70000",
      "SHUTDOWN_GRACE_SECONDS|60",
      "SHUTDOWN_GRACE_SECONDS|11",
      "STOP_TIMEOUT_SECONDS|1",
      "ORDERS_ERROR_RATE|1.5",
      "ORDERS_ERROR_RATE|NaN",
      "ORDERS_LATENCY_MS|-1",
      "OUTGOING_HTTP_URL|ftp://example.com",
      "OUTGOING_HTTP_URL|not a url",
      "SAMPLE_APP_PEERS|garbage",
      "AWS_ENDPOINT_URL_S3|localhost:4512",
      "AWS_REGION|Oregon",
      "XRAY_SAMPLING_ENDPOINT|http://localhost:2000/?x=1",
      "XRAY_SAMPLING_POLL_SECONDS|0",
      "REJECT_INVALID_TRACE_HEADERS|yes",
      "MAX_CONCURRENT_REQUESTS|0",
  })
  void aBadValueFailsFastNamingTheVariable(String variable, String value) {
    assertThatThrownBy(() -> AppConfig.fromEnv(Map.of(variable, value)))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(variable + " ")
        .hasMessageContaining(value);
  }

  @Test
  void peerListKeepsOrder() {
    assertThat(Env.of(Map.of("P", "http://b:1,http://a:2")).httpUrlList("P"))
        .isEqualTo(List.of(URI.create("http://b:1"), URI.create("http://a:2")));
  }
}
