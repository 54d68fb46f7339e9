package com.example.ecsotel;

import static com.example.ecsotel.TestApp.onlySpan;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * X-Amzn-Trace-Id in the forms an Application Load Balancer sends (Elastic Load Balancing, "Request
 * tracing for your Application Load Balancer"): its own {@code Self=1-…;Root=1-…} on a new request, the
 * client's Root/Parent/Sampled kept and {@code Self} prepended on a traced one.
 */
class AlbTraceHeaderTest {
  private static final String ROOT = "1-67891233-abcdef012345678912345678";
  private static final String ROOT_HEX = "67891233abcdef012345678912345678";
  private static final String PARENT = "53995c3f42cd8ad8";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private TestApp app;

  @BeforeEach
  void setUp() throws Exception {
    app = TestApp.options().spans(spans).start();
  }

  @AfterEach
  void tearDown() {
    app.close();
  }

  @Test
  void albRootWithoutParentIsContinuedAsANewRootSpan() throws Exception {
    HttpResponse<String> response = app.get("/", "X-Amzn-Trace-Id", "Root=" + ROOT);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"traceId\":\"" + ROOT + "\"");
    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanContext().isValid()).isFalse();
  }

  @Test
  void albSelfFieldIsIgnoredAndItsRootKept() throws Exception {
    app.get("/", "X-Amzn-Trace-Id", "Self=1-67891234-12456789abcdef012345678;Root=" + ROOT);

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanContext().isValid()).isFalse();
  }

  @Test
  void tracedRequestThroughTheAlbContinuesTheCallersParent() throws Exception {
    app.get("/", "X-Amzn-Trace-Id",
        "Self=1-67891234-12456789abcdef012345678;Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=1;Lineage=a87bd80c:1");

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanContext().getSpanId()).isEqualTo(PARENT);
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
  }

  @Test
  void deferredSamplingDecisionContinuesTheTrace() throws Exception {
    app.get("/", "X-Amzn-Trace-Id", "Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=?");

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(span.getParentSpanContext().getSpanId()).isEqualTo(PARENT);
  }

  @Test
  void rootSpansWithoutAnAlbHeaderGetFreshTraceIds() throws Exception {
    app.get("/", "X-Amzn-Trace-Id", "Root=" + ROOT);
    // The server span ends after the client has its response: wait for it before clearing, or it lands
    // after reset() and is mistaken for the second request's span.
    assertThat(onlySpan(spans, "GET /").getTraceId()).isEqualTo(ROOT_HEX);
    spans.reset();
    app.get("/");

    assertThat(onlySpan(spans, "GET /").getTraceId()).isNotEqualTo(ROOT_HEX);
  }

  @Test
  void validTraceparentWinsOverAnAlbRootWithoutParent() throws Exception {
    app.get("/", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "X-Amzn-Trace-Id", "Root=" + ROOT);

    SpanData span = onlySpan(spans, "GET /");
    assertThat(span.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(span.getParentSpanContext().getSpanId()).isEqualTo("00f067aa0ba902b7");
  }
}
