package com.example.standins.xray;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.standins.StandinServer;
import com.example.standins.TestSigning;
import com.example.standins.sigv4.Credentials;
import com.example.standins.sigv4.SigV4Verifier;
import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** X-Ray's OTLP endpoint as the collector's otlp_http exporter with sigv4auth calls it. */
class XRayOtlpEndpointTest {
  private StandinServer server;

  @BeforeEach
  void start() throws Exception {
    Clock clock = Clock.systemUTC();
    server = StandinServer.start(XRayStandin.create(
        SigV4Verifier.create(Credentials.EXAMPLE, TestSigning.REGION, "xray", clock),
        SegmentStore.create(10), SamplingRules.create(clock)), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static byte[] export(int spans) {
    ScopeSpans.Builder scope = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      scope.addSpans(Span.newBuilder().setName("GET /items").setTraceId(ByteString.copyFrom(new byte[16]))
          .setSpanId(ByteString.copyFrom(new byte[] {0, 0, 0, 0, 0, 0, 0, (byte) (i + 1)})));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(scope)).build().toByteArray();
  }

  private URI uri() {
    return URI.create(server.baseUrl() + "/v1/traces");
  }

  @Test
  void signedProtobufExportIsAcceptedAndSpansCounted() {
    HttpResponse<byte[]> response = TestSigning.signAndSend("xray", "POST", uri(),
        Map.of("Content-Type", "application/x-protobuf"), export(3));
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(server.stats().received("spans")).isEqualTo(3);
  }

  @Test
  void gzipCompressedExportIsAccepted() throws Exception {
    ByteArrayOutputStream gz = new ByteArrayOutputStream();
    try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
      out.write(export(2));
    }
    HttpResponse<byte[]> response = TestSigning.signAndSend("xray", "POST", uri(),
        Map.of("Content-Type", "application/x-protobuf", "Content-Encoding", "gzip"), gz.toByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(server.stats().received("spans")).isEqualTo(2);
  }

  @Test
  void exportSignedForAnotherServiceIsRejected() {
    HttpResponse<byte[]> response = TestSigning.signAndSend("aps", "POST", uri(),
        Map.of("Content-Type", "application/x-protobuf"), export(1));
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("InvalidSignatureException");
    assertThat(server.stats().received("spans")).isZero();
  }

  @Test
  void unsignedOrMalformedExportsAreRejected() {
    HttpResponse<byte[]> unsigned = TestSigning.send(HttpRequest.newBuilder(uri())
        .header("Content-Type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(export(1))).build());
    assertThat(unsigned.statusCode()).isEqualTo(403);
    HttpResponse<byte[]> garbage = TestSigning.signAndSend("xray", "POST", uri(),
        Map.of("Content-Type", "application/x-protobuf"), new byte[] {(byte) 0xff, (byte) 0xff, 1});
    assertThat(garbage.statusCode()).isEqualTo(400);
    HttpResponse<byte[]> json = TestSigning.signAndSend("xray", "POST", uri(),
        Map.of("Content-Type", "application/json"), "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(json.statusCode()).isEqualTo(415);
  }
}
