package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.ecsotel.config.AppConfig;
import com.example.ecsotel.telemetry.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * OTEL_SDK_DISABLED=true switches the app's telemetry work off (issue 20, item 1: instrumenters disabled, no
 * attribute extraction, no metric recording, trace headers judged only to answer a 400), and what a client sees
 * stays as it was: the same answers, no trace id; the caller's trace context still goes downstream (the configured
 * propagators stay, per the spec); a malformed trace header is still rejected when REJECT_INVALID_TRACE_HEADERS asks
 * for it. {@link Telemetry#none} (the benchmark's zero baseline) serves the same, and propagates nothing. That the
 * instrumenters are built disabled (what saves the attribute extraction and metric bookkeeping; invisible from
 * outside) is proven by {@code http.HttpTelemetryTest}.
 */
class SdkDisabledTest {
  private static TestApp.Options disabled() {
    return TestApp.options().otel("otel.sdk.disabled", "true");
  }

  @Test
  void answersAsBeforeWithoutATraceId() throws Exception {
    try (TestApp app = disabled().start()) {
      HttpResponse<String> order = app.get("/orders/7");
      HttpResponse<String> missing = app.get("/orders/0");

      assertThat(app.app.telemetry().enabled()).isFalse();
      assertThat(order.statusCode()).isEqualTo(200);
      assertThat(order.body()).isEqualTo("{\"order\":{\"id\":\"7\",\"status\":\"SHIPPED\",\"items\":3,\"totalCents\":2046}}");
      assertThat(missing.statusCode()).isEqualTo(404);
      assertThat(missing.body()).contains("\"error\":\"order_not_found\"").doesNotContain("traceId");
      assertThat(app.get("/nope").statusCode()).isEqualTo(404);
    }
  }

  @Test
  void aMalformedTraceHeaderIsIgnoredOrRejectedAsConfigured() throws Exception {
    try (TestApp ignoring = disabled().start();
        TestApp rejecting = disabled().env("REJECT_INVALID_TRACE_HEADERS", "true").start()) {
      assertThat(ignoring.get("/", "traceparent", "00-garbage").statusCode()).isEqualTo(200);
      assertThat(ignoring.get("/", "X-Amzn-Trace-Id", "Root=nope").statusCode()).isEqualTo(200);

      HttpResponse<String> w3c = rejecting.get("/", "traceparent", "00-garbage");
      HttpResponse<String> xray = rejecting.get("/", "X-Amzn-Trace-Id", "Root=nope");
      assertThat(w3c.statusCode()).isEqualTo(400);
      assertThat(w3c.body()).contains("\"error\":\"invalid_trace_header\"").contains("traceparent header");
      assertThat(xray.statusCode()).isEqualTo(400);
      assertThat(xray.body()).contains("X-Amzn-Trace-Id header");
      assertThat(rejecting.get("/", "X-Amzn-Trace-Id",
          "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void outgoingCallsCarryTheIncomingTraceContextUnchanged() throws Exception {
    // The spec: OTEL_SDK_DISABLED "has no effect on propagators configured through OTEL_PROPAGATORS".
    try (StubServer downstream = StubServer.start()) {
      downstream.on("/down", r -> StubServer.Reply.text(200, "text/plain", "ok"));
      try (TestApp app = disabled().env("OUTGOING_HTTP_URL", downstream.uri("/down").toString()).start()) {
        HttpResponse<String> w3c = app.get("/outgoing-http-call",
            "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        HttpResponse<String> xray = app.get("/outgoing-http-call",
            "X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1");
        HttpResponse<String> neither = app.get("/outgoing-http-call");

        assertThat(w3c.statusCode()).isEqualTo(200);
        assertThat(w3c.body()).contains("\"statusCode\":200").doesNotContain("traceId"); // no span of ours
        var requests = downstream.requests("/down");
        assertThat(requests).hasSize(3);
        // No span in between: the caller's span is the parent downstream, in both formats.
        assertThat(requests.get(0).headers().getFirst("traceparent"))
            .isEqualTo("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
        assertThat(requests.get(0).headers().getFirst("X-Amzn-Trace-Id"))
            .startsWith("Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=b7ad6b7169203331;Sampled=1");
        assertThat(requests.get(1).headers().getFirst("X-Amzn-Trace-Id"))
            .startsWith("Root=1-67891233-abcdef012345678912345678;Parent=53995c3f42cd8ad8;Sampled=1");
        assertThat(requests.get(1).headers().getFirst("traceparent"))
            .isEqualTo("00-67891233abcdef012345678912345678-53995c3f42cd8ad8-01");
        // Nothing to continue: nothing sent (no trace is invented).
        assertThat(requests.get(2).headers().containsKey("traceparent")).isFalse();
        assertThat(requests.get(2).headers().containsKey("X-Amzn-Trace-Id")).isFalse();
      }
    }
  }

  @Test
  void theAwsSdkCallCarriesTheIncomingTraceContextToo() throws Exception {
    try (StubServer s3 = StubServer.start();
        TestApp app = disabled().env("AWS_ENDPOINT_URL_S3", s3.uri("").toString()).start()) {
      s3.on("/", r -> StubServer.Reply.text(200, "application/xml",
          "<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Buckets/></ListAllMyBucketsResult>"));

      HttpResponse<String> response = app.get("/aws-sdk-call",
          "traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");

      assertThat(response.statusCode()).isEqualTo(200);
      // The AWS SDK instrumentation runs on the propagating no-op API: no span, the caller's context on the wire.
      assertThat(s3.requests("/").get(0).headers().getFirst("X-Amzn-Trace-Id"))
          .startsWith("Root=1-0af76519-16cd43dd8448eb211c80319c;Parent=b7ad6b7169203331;Sampled=1");
    }
  }

  @Test
  void noTelemetryAtAllServesTheSame() throws Exception {
    AppConfig config = AppConfig.fromEnv(Map.of("PORT", "0", "BIND_ADDRESS", "127.0.0.1", "ORDERS_LATENCY_MS", "0",
        "XRAY_SAMPLING_ENDPOINT", "http://127.0.0.1:9", "AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9"));
    Telemetry none = Telemetry.none(config.telemetry());
    assertThat(none.enabled()).isFalse();
    assertThat(none.openTelemetry()).isSameAs(OpenTelemetry.noop());
    SampleApp app = SampleApp.start(config, none, TestApp.FAKE_CREDENTIALS);
    try {
      var client = java.net.http.HttpClient.newHttpClient();
      var response = client.send(java.net.http.HttpRequest.newBuilder(
          java.net.URI.create("http://127.0.0.1:" + app.port() + "/orders/7")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("{\"order\":{\"id\":\"7\",\"status\":\"SHIPPED\",\"items\":3,\"totalCents\":2046}}");
    } finally {
      assertThat(app.shutdown()).as("nothing to flush: a clean stop").isTrue();
    }
    assertThat(none.shutdown(Duration.ofSeconds(1))).isTrue();
  }
}
