package com.example.standins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.standins.sigv4.Credentials;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StandinsTest {
  @Test
  void configDefaultsAreTheAgreedLoopbackPortsAndFakeCredentials() {
    StandinsConfig config = StandinsConfig.fromEnvironment(Map.of());
    assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
    assertThat(config.xrayPort()).isEqualTo(4510);
    assertThat(config.ampPort()).isEqualTo(4511);
    assertThat(config.s3Port()).isEqualTo(4512);
    assertThat(config.ecsMetadataPort()).isEqualTo(4513);
    assertThat(config.prometheusUrl()).isEqualTo("http://127.0.0.1:9090");
    assertThat(config.credentials().accessKeyId()).isEqualTo(Credentials.EXAMPLE.accessKeyId());
    assertThat(config.region()).isEqualTo("us-west-2");
    assertThat(config.ampWorkspaces()).containsExactly("ws-local");
    assertThat(config.segmentCapacity()).isEqualTo(20000);
    assertThat(config.segmentMaxBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 8);
  }

  @Test
  void segmentStoreBoundsAreReadAndBadValuesNameTheVariable() {
    StandinsConfig config = StandinsConfig.fromEnvironment(Map.of(
        "SEGMENT_STORE_CAPACITY", "500", "SEGMENT_STORE_MAX_BYTES", "1048576"));
    assertThat(config.segmentCapacity()).isEqualTo(500);
    assertThat(config.segmentMaxBytes()).isEqualTo(1048576);
    for (String bad : new String[] {"lots", "0", "-1", "64m", "1.5"}) {
      assertThatThrownBy(() -> StandinsConfig.fromEnvironment(Map.of("SEGMENT_STORE_MAX_BYTES", bad)))
          .as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("SEGMENT_STORE_MAX_BYTES").hasMessageContaining(bad);
    }
    assertThatThrownBy(() -> StandinsConfig.fromEnvironment(Map.of("SEGMENT_STORE_CAPACITY", "3000000000")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SEGMENT_STORE_CAPACITY");
  }

  @Test
  void allStandinsStartOnTheConfiguredPortsAndStopTogether() throws Exception {
    StandinsConfig config = StandinsConfig.fromEnvironment(Map.of(
        "XRAY_PORT", "0", "AMP_PORT", "0", "S3_PORT", "0", "ECS_METADATA_PORT", "0",
        "PROMETHEUS_URL", "http://127.0.0.1:1"));
    try (Standins standins = Standins.start(config, Clock.systemUTC())) {
      for (StandinServer server : new StandinServer[] {standins.xray(), standins.amp(), standins.s3(),
          standins.ecsMetadata()}) {
        int status = TestSigning.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/admin/stats"))
            .GET().build()).statusCode();
        assertThat(status).as(server.standin().name()).isEqualTo(200);
      }
      assertThat(standins.xray().standin().name()).isEqualTo("xray");
      assertThat(standins.amp().standin().name()).isEqualTo("amp");
    }
  }
}
