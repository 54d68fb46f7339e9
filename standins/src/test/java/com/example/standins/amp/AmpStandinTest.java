package com.example.standins.amp;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.standins.FakePrometheus;
import com.example.standins.StandinServer;
import com.example.standins.TestSigning;
import com.example.standins.sigv4.Credentials;
import com.example.standins.sigv4.SigV4Verifier;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AmpStandinTest {
  private static final Map<String, String> RW_HEADERS = Map.of(
      "Content-Encoding", "snappy",
      "Content-Type", "application/x-protobuf",
      "X-Prometheus-Remote-Write-Version", "0.1.0");
  private static final String[] GOOD = {"__name__", "http_server_request_duration_seconds_count", "job", "sample-app"};

  private FakePrometheus prometheus;
  private StandinServer amp;

  @BeforeEach
  void start() throws Exception {
    prometheus = FakePrometheus.start();
    SigV4Verifier verifier = SigV4Verifier.create(Credentials.EXAMPLE, TestSigning.REGION, "aps", Clock.systemUTC());
    amp = StandinServer.start(
        AmpStandin.create(verifier, PrometheusClient.create(prometheus.url()), Set.of("ws-local")), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (amp != null) {
      amp.close();
    }
    if (prometheus != null) {
      prometheus.close();
    }
  }

  private URI uri(String path) {
    return URI.create(amp.baseUrl() + path);
  }

  private HttpResponse<byte[]> write(byte[] body, Map<String, String> headers) {
    return TestSigning.signAndSend("aps", "POST", uri("/workspaces/ws-local/api/v1/remote_write"), headers, body);
  }

  private static String text(HttpResponse<byte[]> response) {
    return new String(response.body(), StandardCharsets.UTF_8);
  }

  @Test
  void validWriteIsForwardedToPrometheusByteForByte() {
    byte[] body = RemoteWritePayloads.snappyWriteRequest(GOOD, new String[] {"__name__", "up", "job", "x"});
    HttpResponse<byte[]> response = write(body, RW_HEADERS);
    assertThat(response.statusCode()).isEqualTo(204);
    assertThat(prometheus.received()).hasSize(1);
    FakePrometheus.Received forwarded = prometheus.received().get(0);
    assertThat(forwarded.pathAndQuery()).isEqualTo("/api/v1/write");
    assertThat(forwarded.contentEncoding()).isEqualTo("snappy");
    assertThat(forwarded.body()).isEqualTo(body);
    assertThat(amp.stats().received("series")).isEqualTo(2);
    assertThat(amp.stats().received("samples")).isEqualTo(2);
  }

  @Test
  void unsignedWriteIsRejectedAndNotForwarded() {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri("/workspaces/ws-local/api/v1/remote_write"))
        .POST(HttpRequest.BodyPublishers.ofByteArray(RemoteWritePayloads.snappyWriteRequest(GOOD)));
    RW_HEADERS.forEach(builder::header);
    HttpResponse<byte[]> response = TestSigning.send(builder.build());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("MissingAuthenticationTokenException");
    assertThat(text(response)).contains("\"message\"");
    assertThat(prometheus.received()).isEmpty();
    assertThat(amp.stats().rejected("sigv4.MISSING_AUTHENTICATION")).isEqualTo(1);
  }

  @Test
  void writeSignedForAnotherServiceIsRejected() {
    HttpResponse<byte[]> response = TestSigning.signAndSend("xray", "POST",
        uri("/workspaces/ws-local/api/v1/remote_write"), RW_HEADERS, RemoteWritePayloads.snappyWriteRequest(GOOD));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("InvalidSignatureException");
    assertThat(text(response)).contains("Credential should be scoped to correct service: 'aps'");
    assertThat(prometheus.received()).isEmpty();
  }

  @Test
  void missingOrWrongRemoteWriteHeadersAreRejected() {
    byte[] body = RemoteWritePayloads.snappyWriteRequest(GOOD);
    Map<String, String> noEncoding = Map.of("Content-Type", "application/x-protobuf",
        "X-Prometheus-Remote-Write-Version", "0.1.0");
    assertThat(write(body, noEncoding).statusCode()).isEqualTo(400);
    Map<String, String> wrongType = Map.of("Content-Encoding", "snappy", "Content-Type", "application/json",
        "X-Prometheus-Remote-Write-Version", "0.1.0");
    assertThat(text(write(body, wrongType))).contains("Content-Type");
    Map<String, String> noVersion = Map.of("Content-Encoding", "snappy", "Content-Type", "application/x-protobuf");
    HttpResponse<byte[]> response = write(body, noVersion);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(text(response)).contains("X-Prometheus-Remote-Write-Version");
    assertThat(prometheus.received()).isEmpty();
  }

  @Test
  void bodyThatIsNotSnappyIsRejected() {
    HttpResponse<byte[]> response = write(RemoteWritePayloads.writeRequest(GOOD), RW_HEADERS);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(text(response)).contains("snappy");
  }

  @Test
  void snappyBodyThatIsNotProtobufIsRejected() {
    byte[] garbage = RemoteWritePayloads.snappy(new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1, 2});
    HttpResponse<byte[]> response = write(garbage, RW_HEADERS);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(text(response)).contains("WriteRequest");
  }

  @Test
  void seriesWithoutMetricNameIsRejected() {
    HttpResponse<byte[]> response =
        write(RemoteWritePayloads.snappyWriteRequest(GOOD, new String[] {"job", "x"}), RW_HEADERS);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(text(response)).contains("series 1 has no __name__");
    assertThat(prometheus.received()).isEmpty();
  }

  @Test
  void unsortedDuplicateOrInvalidLabelsAreRejected() {
    assertThat(text(write(RemoteWritePayloads.snappyWriteRequest(
        new String[] {"job", "x", "__name__", "up"}), RW_HEADERS))).contains("not sorted");
    assertThat(text(write(RemoteWritePayloads.snappyWriteRequest(
        new String[] {"__name__", "up", "job", "x", "job", "y"}), RW_HEADERS))).contains("duplicate label 'job'");
    assertThat(text(write(RemoteWritePayloads.snappyWriteRequest(
        new String[] {"__name__", "up", "task.arn", "x"}), RW_HEADERS))).contains("invalid label name 'task.arn'");
    assertThat(prometheus.received()).isEmpty();
  }

  @Test
  void prometheusErrorsArePropagated() {
    prometheus.answer(400, "out of order sample");
    HttpResponse<byte[]> response = write(RemoteWritePayloads.snappyWriteRequest(GOOD), RW_HEADERS);
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(text(response)).isEqualTo("out of order sample");
  }

  @Test
  void unreachablePrometheusIsA503SoClientsRetry() {
    prometheus.close();
    HttpResponse<byte[]> response = write(RemoteWritePayloads.snappyWriteRequest(GOOD), RW_HEADERS);
    assertThat(response.statusCode()).isEqualTo(503);
  }

  @Test
  void unknownWorkspaceIsNotFound() {
    HttpResponse<byte[]> response = TestSigning.signAndSend("aps", "POST",
        uri("/workspaces/ws-other/api/v1/remote_write"), RW_HEADERS, RemoteWritePayloads.snappyWriteRequest(GOOD));
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("ResourceNotFoundException");
  }

  @Test
  void signedQueriesAreProxiedToPrometheus() {
    prometheus.answer(200, "{\"status\":\"success\"}");
    HttpResponse<byte[]> get = TestSigning.signAndSend("aps", "GET",
        uri("/workspaces/ws-local/api/v1/query?query=sum%28up%29"), Map.of(), null);
    assertThat(get.statusCode()).isEqualTo(200);
    assertThat(text(get)).isEqualTo("{\"status\":\"success\"}");
    byte[] form = "query=up&start=1&end=2&step=1".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> post = TestSigning.signAndSend("aps", "POST",
        uri("/workspaces/ws-local/api/v1/query_range"),
        Map.of("Content-Type", "application/x-www-form-urlencoded"), form);
    assertThat(post.statusCode()).isEqualTo(200);
    assertThat(prometheus.received()).extracting(FakePrometheus.Received::pathAndQuery)
        .containsExactly("/api/v1/query?query=sum%28up%29", "/api/v1/query_range");
    assertThat(prometheus.received().get(1).body()).isEqualTo(form);
  }

  @Test
  void promqlWithSpecialCharactersEncodedByTheSdkVerifiesAndReachesPrometheusIntact() {
    String promql = "sum by (job) (rate(http_server_request_duration_seconds_count{job=\"sample-app\"}[1m]))";
    String encoded = software.amazon.awssdk.utils.http.SdkHttpUtils.urlEncode(promql);
    HttpResponse<byte[]> response = TestSigning.signAndSend("aps", "GET",
        uri("/workspaces/ws-local/api/v1/query?query=" + encoded), Map.of(), null);
    assertThat(response.statusCode()).isEqualTo(204);
    String forwarded = prometheus.received().get(0).pathAndQuery();
    assertThat(java.net.URLDecoder.decode(forwarded.substring(forwarded.indexOf('=') + 1), StandardCharsets.UTF_8))
        .isEqualTo(promql);
  }

  @Test
  void unsignedQueryIsRejected() {
    HttpResponse<byte[]> response = TestSigning.send(
        HttpRequest.newBuilder(uri("/workspaces/ws-local/api/v1/query?query=up")).GET().build());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(prometheus.received()).isEmpty();
  }
}
