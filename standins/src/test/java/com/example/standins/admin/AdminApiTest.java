package com.example.standins.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.standins.StandinServer;
import com.example.standins.TestSigning;
import com.example.standins.sigv4.Credentials;
import com.example.standins.sigv4.SigV4Verifier;
import com.example.standins.xray.SamplingRules;
import com.example.standins.xray.SegmentStore;
import com.example.standins.xray.XRayStandin;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AdminApiTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private StandinServer server;

  @BeforeEach
  void start() throws Exception {
    Clock clock = Clock.systemUTC();
    server = StandinServer.start(XRayStandin.create(
        SigV4Verifier.create(Credentials.EXAMPLE, TestSigning.REGION, "xray", clock),
        SegmentStore.create(100), SamplingRules.create(clock)), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<byte[]> admin(String method, String path, String body) {
    return TestSigning.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body))
        .build());
  }

  private JsonNode json(HttpResponse<byte[]> response) throws Exception {
    return JSON.readTree(response.body());
  }

  private HttpResponse<byte[]> putSegment() {
    String trace = "1-" + String.format(Locale.ROOT, "%08x", Instant.now().getEpochSecond()) + "-" + "a".repeat(24);
    double now = System.currentTimeMillis() / 1000.0;
    String doc = "{\"name\":\"sample-app\",\"id\":\"00000000000000a1\",\"trace_id\":\"" + trace
        + "\",\"start_time\":" + (now - 1) + ",\"end_time\":" + now + "}";
    String body = "{\"TraceSegmentDocuments\":[" + JSON.valueToTree(doc) + "]}";
    return TestSigning.signAndSend("xray", "POST", URI.create(server.baseUrl() + "/TraceSegments"),
        Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void statsCountAcceptedAndRejectedRequestsByReason() throws Exception {
    assertThat(putSegment().statusCode()).isEqualTo(200);
    admin("POST", "/TraceSegments", "{}");
    JsonNode stats = json(admin("GET", "/admin/stats", null));
    assertThat(stats.path("acceptedTotal").asLong()).isEqualTo(1);
    assertThat(stats.path("rejected").path("sigv4.MISSING_AUTHENTICATION").asLong()).isEqualTo(1);
    assertThat(stats.path("received").path("segments").asLong()).isEqualTo(1);
    assertThat(stats.path("standin").asText()).isEqualTo("xray");
  }

  @Test
  void storeEvictionsAreCountedApartAndNeverLowerTheReceivedCounters() throws Exception {
    server.close();
    Clock clock = Clock.systemUTC();
    server = StandinServer.start(XRayStandin.create(
        SigV4Verifier.create(Credentials.EXAMPLE, TestSigning.REGION, "xray", clock),
        SegmentStore.create(1), SamplingRules.create(clock)), "127.0.0.1", 0);
    for (int i = 0; i < 3; i++) {
      assertThat(putSegment().statusCode()).isEqualTo(200);
    }
    JsonNode stats = json(admin("GET", "/admin/stats", null));
    assertThat(stats.path("received").path("segments").asLong()).isEqualTo(3);
    assertThat(stats.path("accepted").path("POST /TraceSegments").asLong()).isEqualTo(3);
    assertThat(stats.path("evictedSegments").asLong()).isEqualTo(2);
    assertThat(json(admin("GET", "/admin/segments", null))).hasSize(1);
    admin("POST", "/admin/reset", null);
    assertThat(json(admin("GET", "/admin/stats", null)).path("evictedSegments").asLong()).isZero();
  }

  @Test
  void segmentsEndpointReturnsStoredDocumentsAndResetClearsThem() throws Exception {
    putSegment();
    JsonNode segments = json(admin("GET", "/admin/segments", null));
    assertThat(segments).hasSize(1);
    assertThat(segments.get(0).path("name").asText()).isEqualTo("sample-app");
    assertThat(admin("POST", "/admin/reset", null).statusCode()).isEqualTo(200);
    assertThat(json(admin("GET", "/admin/segments", null))).isEmpty();
    assertThat(json(admin("GET", "/admin/stats", null)).path("acceptedTotal").asLong()).isZero();
  }

  @Test
  void faultModesAnswerWithAwsErrorsUntilSwitchedBack() throws Exception {
    assertThat(admin("POST", "/admin/fault", "{\"mode\":\"503\"}").statusCode()).isEqualTo(200);
    HttpResponse<byte[]> unavailable = putSegment();
    assertThat(unavailable.statusCode()).isEqualTo(503);
    assertThat(unavailable.headers().firstValue("x-amzn-ErrorType")).hasValue("ServiceUnavailableException");
    admin("POST", "/admin/fault", "{\"mode\":\"429\"}");
    HttpResponse<byte[]> throttled = putSegment();
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(throttled.headers().firstValue("x-amzn-ErrorType")).hasValue("ThrottledException");
    admin("POST", "/admin/fault", "{\"mode\":\"slow\",\"slowMillis\":50}");
    assertThat(putSegment().statusCode()).isEqualTo(200);
    admin("POST", "/admin/fault", "{\"mode\":\"ok\"}");
    assertThat(putSegment().statusCode()).isEqualTo(200);
    JsonNode stats = json(admin("GET", "/admin/stats", null));
    assertThat(stats.path("rejected").path("fault.503").asLong()).isEqualTo(1);
    assertThat(stats.path("rejected").path("fault.429").asLong()).isEqualTo(1);
    assertThat(stats.path("received").path("segments").asLong()).isEqualTo(2);
  }

  @Test
  void invalidFaultRequestsAreRejected() {
    assertThat(admin("POST", "/admin/fault", "{\"mode\":\"explode\"}").statusCode()).isEqualTo(400);
    assertThat(admin("POST", "/admin/fault", "{\"mode\":\"slow\",\"slowMillis\":999999999}").statusCode())
        .isEqualTo(400);
    assertThat(admin("POST", "/admin/fault", "not json").statusCode()).isEqualTo(400);
    assertThat(admin("GET", "/admin/nothing", null).statusCode()).isEqualTo(404);
  }

  @Test
  void samplingRulesCanBeReplacedAndInvalidRulesAreRejected() throws Exception {
    HttpResponse<byte[]> ok = admin("PUT", "/admin/sampling-rules",
        "{\"SamplingRules\":[{\"RuleName\":\"Default\",\"FixedRate\":0.0,\"ReservoirSize\":0}]}");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(json(ok).path("SamplingRuleRecords").get(0).path("SamplingRule").path("FixedRate").asDouble())
        .isEqualTo(0.0);
    assertThat(admin("PUT", "/admin/sampling-rules", "[{\"RuleName\":\"x\",\"FixedRate\":2,\"ReservoirSize\":1}]")
        .statusCode()).isEqualTo(400);
    assertThat(admin("PUT", "/admin/sampling-rules", "{\"nope\":1}").statusCode()).isEqualTo(400);
  }
}
