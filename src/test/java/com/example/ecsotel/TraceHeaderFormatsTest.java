package com.example.ecsotel;

import static com.example.ecsotel.TestApp.onlySpan;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each propagation format is judged on its own (issue 22, items 2 and 3): a malformed traceparent costs only
 * traceparent and tracestate, a malformed X-Amzn-Trace-Id only itself, baggage is independent; an all-zero Root
 * or Parent is never a trace or parent id. Every malformed header is counted.
 */
class TraceHeaderFormatsTest {
  private static final String ROOT = "1-67891233-abcdef012345678912345678";
  private static final String ROOT_HEX = "67891233abcdef012345678912345678";
  private static final String PARENT = "53995c3f42cd8ad8";
  private static final String W3C_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String W3C_PARENT = "00f067aa0ba902b7";
  private static final String TRACEPARENT = "00-" + W3C_TRACE + "-" + W3C_PARENT + "-01";
  private static final String BAD_TRACEPARENT = "00-not-a-trace-01";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private StubServer downstream;
  private TestApp app;

  @BeforeEach
  void setUp() throws Exception {
    downstream = StubServer.start();
    downstream.on("/", r -> StubServer.Reply.text(200, "text/plain", "ok"));
    app = TestApp.options().spans(spans).env("OUTGOING_HTTP_URL", downstream.uri("/").toString()).start();
  }

  @AfterEach
  void tearDown() {
    app.close();
    downstream.close();
  }

  @Test
  void aMalformedTraceparentDoesNotCostTheAlbRoot() throws Exception {
    HttpResponse<String> response =
        app.get("/", "traceparent", BAD_TRACEPARENT, "X-Amzn-Trace-Id", "Self=1-67891234-12456789abcdef012345678;Root=" + ROOT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"traceId\":\"" + ROOT + "\"");
    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(invalidCount("traceparent")).isEqualTo(1);
    assertThat(invalidCount("x-amzn-trace-id")).isZero();
  }

  @Test
  void aMalformedTraceparentDoesNotCostTheXrayParent() throws Exception {
    app.get("/", "traceparent", BAD_TRACEPARENT, "tracestate", "vendor=value",
        "X-Amzn-Trace-Id", "Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=1");

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanId()).isEqualTo(PARENT);
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
  }

  @Test
  void whenBothFormatsAreValidAndDisagreeTheXrayHeaderWins() throws Exception {
    // OTEL_PROPAGATORS=tracecontext,baggage,xray: xray extracts last and replaces the span; the contrib keeps
    // the W3C tracestate on the X-Ray parent even though the trace ids differ.
    HttpResponse<String> response = app.get("/", "traceparent", TRACEPARENT, "tracestate", "vendor=value",
        "X-Amzn-Trace-Id", "Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=1");

    assertThat(response.body()).contains("\"traceId\":\"" + ROOT + "\"");
    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanId()).isEqualTo(PARENT);
    assertThat(span.getSpanContext().getTraceState().get("vendor")).isEqualTo("value");
    assertThat(invalidCount("traceparent")).isZero();
    assertThat(invalidCount("x-amzn-trace-id")).isZero();
  }

  @Test
  void severalTracestateLinesAreOneList() throws Exception {
    app.get("/", "traceparent", TRACEPARENT, "tracestate", "first=1", "tracestate", "second=2");

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(W3C_TRACE);
    assertThat(span.getSpanContext().getTraceState().asMap()).containsEntry("first", "1").containsEntry("second", "2");
  }

  @Test
  void aMalformedXrayHeaderDoesNotCostAValidTraceparent() throws Exception {
    app.get("/", "traceparent", TRACEPARENT, "X-Amzn-Trace-Id", "Root=garbage;Parent=xyz");

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(W3C_TRACE);
    assertThat(span.getParentSpanId()).isEqualTo(W3C_PARENT);
    assertThat(invalidCount("x-amzn-trace-id")).isEqualTo(1);
    assertThat(invalidCount("traceparent")).isZero();
  }

  @Test
  void baggageIsKeptWhenATraceHeaderIsMalformed() throws Exception {
    app.get("/outgoing-http-call", "traceparent", BAD_TRACEPARENT, "X-Amzn-Trace-Id", "Root=garbage",
        "baggage", "tenant=acme");

    StubServer.Recorded call = downstream.requests("/").get(0);
    assertThat(call.headers().getFirst("baggage")).isEqualTo("tenant=acme");
    assertThat(invalidCount("traceparent")).isEqualTo(1);
    assertThat(invalidCount("x-amzn-trace-id")).isEqualTo(1);
  }

  @Test
  void severalBaggageLinesAreOneList() throws Exception {
    app.get("/outgoing-http-call", "baggage", "tenant=acme", "baggage", "region=eu");

    String passedOn = downstream.requests("/").get(0).headers().getFirst("baggage");
    assertThat(passedOn.split(",")).containsExactlyInAnyOrder("tenant=acme", "region=eu");
  }

  @Test
  void anAllZeroAlbRootStartsANewTraceAndIsCounted() throws Exception {
    HttpResponse<String> response =
        app.get("/", "X-Amzn-Trace-Id", "Self=1-67891234-12456789abcdef012345678;Root=1-00000000-000000000000000000000000");

    assertThat(response.statusCode()).isEqualTo(200);
    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getSpanContext().isValid()).isTrue();
    assertThat(span.getTraceId()).isNotEqualTo("0".repeat(32));
    assertThat(response.body()).contains("\"traceId\":\"1-" + span.getTraceId().substring(0, 8) + "-");
    assertThat(span.getParentSpanContext().isValid()).isFalse();
    assertThat(invalidCount("x-amzn-trace-id")).isEqualTo(1);
  }

  @Test
  void anAllZeroParentStartsANewTraceAndIsCounted() throws Exception {
    for (String sampled : new String[] {"1", "?"}) {
      spans.reset();
      app.get("/", "X-Amzn-Trace-Id", "Root=" + ROOT + ";Parent=0000000000000000;Sampled=" + sampled);

      SpanData span = onlySpan(spans, "GET /");
      assertThat(span.getParentSpanContext().isValid()).as(sampled).isFalse();
      assertThat(span.getTraceId()).as(sampled).isNotEqualTo(ROOT_HEX);
    }
    assertThat(invalidCount("x-amzn-trace-id")).isEqualTo(2);
  }

  private long invalidCount(String header) {
    return app.metrics.collectAllMetrics().stream()
        .filter(m -> m.getName().equals("sample_app.trace_header.invalid"))
        .flatMap(m -> m.getLongSumData().getPoints().stream())
        .filter(p -> header.equals(p.getAttributes().get(AttributeKey.stringKey("header"))))
        .mapToLong(p -> p.getValue())
        .sum();
  }
}
