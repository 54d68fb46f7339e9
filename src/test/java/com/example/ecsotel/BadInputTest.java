package com.example.ecsotel;

import static com.example.ecsotel.TestApp.onlySpan;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every class of bad input gets a clear 4xx JSON error, never a 500, and the app keeps serving. */
class BadInputTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private TestApp app;

  @BeforeEach
  void setUp() throws Exception {
    app = TestApp.options().spans(spans).start();
  }

  @AfterEach
  void tearDown() throws Exception {
    // Whatever came before, the app still answers normally.
    assertThat(app.get("/").statusCode()).isEqualTo(200);
    app.close();
  }

  private static void assertJsonError(HttpResponse<String> response, int status, String code) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    assertThat(response.body()).contains("\"error\":\"" + code + "\"").contains("\"status\":" + status);
  }

  @Test
  void unknownRouteIs404AndItsSpanHasNoRoute() throws Exception {
    HttpResponse<String> response = app.get("/no/such/thing");

    assertJsonError(response, 404, "not_found");
    SpanData span = onlySpan(spans, "GET");
    assertThat(span.getAttributes().get(AttributeKey.stringKey("http.route"))).isNull();
    assertThat(span.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void wrongMethodIs405WithAllowHeader() throws Exception {
    HttpResponse<String> response =
        TestApp.send(app.uri("/orders/1"), "DELETE");

    assertJsonError(response, 405, "method_not_allowed");
    assertThat(response.headers().firstValue("Allow")).hasValue("GET");
    assertThat(onlySpan(spans, "DELETE /orders/{id}").getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
  }

  @Test
  void malformedOrderIdIs400() throws Exception {
    assertJsonError(app.get("/orders/abc"), 400, "invalid_order_id");
    assertJsonError(app.get("/orders/1234567890123"), 400, "invalid_order_id");
    assertJsonError(app.get("/orders/%27%20OR%201=1"), 400, "invalid_order_id");
  }

  @Test
  void malformedTraceparentIsIgnoredCountedAndStartsANewTrace() throws Exception {
    HttpResponse<String> response = app.get("/", "traceparent", "00-not-a-trace-01");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"traceId\":\"1-");
    assertThat(onlySpan(spans, "GET /").getParentSpanContext().isValid()).isFalse();
    assertThat(invalidHeaderCount("traceparent")).isEqualTo(1);
  }

  @Test
  void malformedXrayHeadersAreIgnoredAndCountedNeverContinued() throws Exception {
    for (String value : new String[] {"Root=garbage;Parent=xyz", "Parent=53995c3f42cd8ad8", "Root=1-5759e988"}) {
      HttpResponse<String> response = app.get("/", "X-Amzn-Trace-Id", value);
      assertThat(response.statusCode()).as(value).isEqualTo(200);
      assertThat(response.body()).as(value).doesNotContain("5759e988");
    }
    assertThat(invalidHeaderCount("x-amzn-trace-id")).isEqualTo(3);
  }

  @Test
  void invalidTraceHeadersAre400WhenStrict() throws Exception {
    try (TestApp strict = TestApp.options().spans(spans).env("REJECT_INVALID_TRACE_HEADERS", "true").start()) {
      HttpResponse<String> response = strict.get("/", "traceparent", "00-not-a-trace-01");
      assertJsonError(response, 400, "invalid_trace_header");
      assertThat(response.body()).contains("\"traceId\":\"1-");
      assertThat(onlySpan(spans, "GET /").getParentSpanContext().isValid()).isFalse();
      assertJsonError(
          strict.get("/", "traceparent", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"),
          400,
          "invalid_trace_header");
      assertJsonError(strict.get("/", "X-Amzn-Trace-Id", "Root=garbage;Parent=xyz"), 400, "invalid_trace_header");
      assertJsonError(strict.get("/", "X-Amzn-Trace-Id", "Parent=53995c3f42cd8ad8"), 400, "invalid_trace_header");
    }
  }

  private long invalidHeaderCount(String header) {
    return app.metrics.collectAllMetrics().stream()
        .filter(m -> m.getName().equals("sample_app.trace_header.invalid"))
        .flatMap(m -> m.getLongSumData().getPoints().stream())
        .filter(p -> header.equals(p.getAttributes().get(AttributeKey.stringKey("header"))))
        .mapToLong(p -> p.getValue())
        .sum();
  }

  @Test
  void oversizedHeaderIs431() throws Exception {
    assertJsonError(app.get("/", "X-Big", "a".repeat(9000)), 431, "header_too_large");
  }

  @Test
  void tooManyHeaderBytesIs431() throws Exception {
    String[] headers = new String[2 * 20];
    for (int i = 0; i < 20; i++) {
      headers[2 * i] = "X-Filler-" + i;
      headers[2 * i + 1] = "b".repeat(1000);
    }
    assertJsonError(app.get("/", headers), 431, "headers_too_large");
  }

  @Test
  void tooLongUriIs414() throws Exception {
    assertJsonError(app.get("/orders/" + "9".repeat(3000)), 414, "uri_too_long");
  }

  @Test
  void controlCharactersInAHeaderAre400() throws Exception {
    // java.net.http refuses to send such a header, so write the bytes ourselves.
    String raw = rawRequest("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Evil: a\u0001b\r\nConnection: close\r\n\r\n");

    assertThat(raw).startsWith("HTTP/1.1 400");
    assertThat(raw).contains("\"error\":\"invalid_header\"");
  }

  @Test
  void garbageHopHeaderIs400() throws Exception {
    assertJsonError(app.get("/outgoing-sampleapp", "X-Sample-App-Hop", "lots"), 400, "invalid_header");
  }

  @Test
  void garbageRequestLineIsRejectedWithoutCrashingTheServer() throws Exception {
    String raw = rawRequest("\u0016\u0003\u0001 definitely not http\r\n\r\n");

    assertThat(raw).doesNotStartWith("HTTP/1.1 5");
  }

  private String rawRequest(String request) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), app.app.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readNBytes(4096), StandardCharsets.UTF_8);
    }
  }

  @Test
  void aLongMethodIsCutShortInTheAccessLog() throws Exception {
    ByteArrayOutputStream lines = new ByteArrayOutputStream();
    TestApp app = TestApp.options().accessLog(new PrintStream(lines, true, StandardCharsets.UTF_8)).start();
    try {
      String method = "X".repeat(5000); // a token: a valid method the JDK server accepts
      assertThat(TestApp.send(app.uri("/orders/1"), method).statusCode()).isEqualTo(405);
    } finally {
      app.close(); // writes the access log's queue
    }
    assertThat(lines.toString(StandardCharsets.UTF_8))
        .contains(" INFO request - " + "X".repeat(16) + "… /orders/1 route=/orders/{id} status=405");
  }
}
