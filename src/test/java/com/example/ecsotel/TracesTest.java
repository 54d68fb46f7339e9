package com.example.ecsotel;

import static com.example.ecsotel.TestApp.onlySpan;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TracesTest {
  private static final Pattern TRACE_ID_IN_BODY =
      Pattern.compile("\"traceId\":\"(1-([0-9a-f]{8})-([0-9a-f]{24}))\"");

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private StubServer upstream;
  private TestApp app;

  @BeforeEach
  void setUp() throws Exception {
    upstream = StubServer.start();
    app =
        TestApp.options()
            .spans(spans)
            .env("OUTGOING_HTTP_URL", upstream.uri("/target").toString())
            .env("ORDERS_LATENCY_MS", "4")
            .start();
  }

  @AfterEach
  void tearDown() {
    app.close();
    upstream.close();
  }

  static String xrayTraceId(HttpResponse<String> response) {
    Matcher m = TRACE_ID_IN_BODY.matcher(response.body());
    assertThat(m.find()).as("X-Ray traceId in %s", response.body()).isTrue();
    return m.group(1);
  }

  static String w3c(String xrayTraceId) {
    return xrayTraceId.substring(2, 10) + xrayTraceId.substring(11);
  }

  @Test
  void rootIsOneServerSpanNamedAfterTheRouteAndReturnsItsXrayTraceId() throws Exception {
    HttpResponse<String> response = app.get("/");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/json");
    SpanData server = onlySpan(spans, "GET /");
    assertThat(server.getKind()).isEqualTo(SpanKind.SERVER);
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/");
    assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.request.method"))).isEqualTo("GET");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/");
    assertThat(server.getResource().getAttribute(AttributeKey.stringKey("service.name"))).isEqualTo("sample-app");
    assertThat(w3c(xrayTraceId(response))).isEqualTo(server.getTraceId());
  }

  @Test
  void traceIdsComeFromTheXrayIdGeneratorWithEpochSecondsFirst() throws Exception {
    long before = Instant.now().getEpochSecond();
    HttpResponse<String> response = app.get("/");
    long after = Instant.now().getEpochSecond();

    long seconds = Long.parseLong(xrayTraceId(response).substring(2, 10), 16);
    assertThat(seconds).isBetween(before, after);
  }

  @Test
  void healthProbesProduceNoSpan() throws Exception {
    HttpResponse<String> response = app.get("/health");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("{\"status\":\"ok\"}");
    app.get("/"); // a traced request after the probe: once its span is in, the probe's would be too
    onlySpan(spans, "GET /");
    assertThat(spans.getFinishedSpanItems()).hasSize(1);
  }

  @Test
  void ordersUsesTheRouteTemplateAndNestsBusinessSpansWithEvents() throws Exception {
    HttpResponse<String> response = app.get("/orders/42");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"order\":{\"id\":\"42\",\"status\":\"SHIPPED\",\"items\":3");
    SpanData server = onlySpan(spans, "GET /orders/{id}");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/orders/{id}");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("url.path"))).isEqualTo("/orders/42");
    assertThat(server.getAttributes().get(AttributeKey.stringKey("app.order.id"))).isEqualTo("42");
    assertThat(server.getEvents()).extracting(e -> e.getName()).contains("order.served");
    // Built only for a recording span now (issue 20): a sampled one still carries the event with its attribute.
    assertThat(server.getEvents()).filteredOn(e -> e.getName().equals("order.served")).singleElement()
        .satisfies(e -> assertThat(e.getAttributes().get(AttributeKey.longKey("app.order.items"))).isEqualTo(3L));
    for (String child : new String[] {"load-order", "price-order", "charge-payment"}) {
      SpanData span = onlySpan(spans, child);
      assertThat(span.getKind()).isEqualTo(SpanKind.INTERNAL);
      assertThat(span.getParentSpanId()).as(child).isEqualTo(server.getSpanId());
      assertThat(span.getTraceId()).isEqualTo(server.getTraceId());
    }
    assertThat(onlySpan(spans, "price-order").getEvents()).extracting(e -> e.getName()).containsExactly("discount.applied");
    assertThat(onlySpan(spans, "price-order").getEvents().get(0).getAttributes()
        .get(AttributeKey.longKey("app.discount.percent"))).isEqualTo(10L);
  }

  @Test
  void unknownOrderIsA404ThatDoesNotMarkTheServerSpanAsError() throws Exception {
    HttpResponse<String> response = app.get("/orders/99999999");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).contains("\"error\":\"order_not_found\"").contains("\"traceId\":\"1-");
    SpanData server = onlySpan(spans, "GET /orders/{id}");
    assertThat(server.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    assertThat(server.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(404L);
  }

  @Test
  void outgoingHttpCallHasSpecSpanAndClientSpanAndPropagatesBothHeaderFormats() throws Exception {
    HttpResponse<String> response = app.get("/outgoing-http-call");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"statusCode\":200");
    SpanData server = onlySpan(spans, "GET /outgoing-http-call");
    SpanData spec = onlySpan(spans, "outgoing-http-call");
    SpanData client = onlySpan(spans, "GET");
    assertThat(spec.getParentSpanId()).isEqualTo(server.getSpanId());
    assertThat(spec.getAttributes().get(AttributeKey.stringKey("signal"))).isEqualTo("trace");
    assertThat(spec.getAttributes().get(AttributeKey.stringKey("language"))).isEqualTo("java");
    assertThat(client.getKind()).isEqualTo(SpanKind.CLIENT);
    assertThat(client.getParentSpanId()).isEqualTo(spec.getSpanId());
    assertThat(client.getAttributes().get(AttributeKey.stringKey("url.full"))).isEqualTo(upstream.uri("/target").toString());
    assertThat(client.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("127.0.0.1");
    assertThat(client.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(200L);

    StubServer.Recorded received = upstream.requests("/target").get(0);
    assertThat(received.headers().getFirst("traceparent"))
        .isEqualTo("00-" + client.getTraceId() + "-" + client.getSpanId() + "-01");
    String xray = xrayTraceId(response);
    assertThat(received.headers().getFirst("X-Amzn-Trace-Id"))
        .isEqualTo("Root=" + xray + ";Parent=" + client.getSpanId() + ";Sampled=1");
  }

  @Test
  void unreachableUpstreamIsA502WithErrorSpans() throws Exception {
    try (TestApp broken =
        TestApp.options().spans(spans).env("OUTGOING_HTTP_URL", "http://127.0.0.1:9/closed").start()) {
      HttpResponse<String> response = broken.get("/outgoing-http-call");

      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(response.body()).contains("\"error\":\"upstream_unavailable\"");
      assertThat(onlySpan(spans, "GET /outgoing-http-call").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(onlySpan(spans, "outgoing-http-call").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(onlySpan(spans, "GET").getAttributes().get(AttributeKey.stringKey("error.type"))).isNotNull();
    }
  }

  @Test
  void incomingXrayHeaderContinuesTheTrace() throws Exception {
    HttpResponse<String> response =
        app.get("/", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(xrayTraceId(response)).isEqualTo("1-5759e988-bd862e3fe1be46a994272793");
    SpanData server = onlySpan(spans, "GET /");
    assertThat(server.getTraceId()).isEqualTo("5759e988bd862e3fe1be46a994272793");
    assertThat(server.getParentSpanId()).isEqualTo("53995c3f42cd8ad8");
    assertThat(server.getParentSpanContext().isRemote()).isTrue();
  }

  @Test
  void incomingTraceparentContinuesTheTrace() throws Exception {
    HttpResponse<String> response =
        app.get("/orders/7", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(xrayTraceId(response)).isEqualTo("1-4bf92f35-77b34da6a3ce929d0e0e4736");
    SpanData server = onlySpan(spans, "GET /orders/{id}");
    assertThat(server.getTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
    assertThat(server.getParentSpanId()).isEqualTo("00f067aa0ba902b7");
  }

  @Test
  void simulatedPaymentFailuresAre500sWithErrorSpansAndRecordedExceptions() throws Exception {
    try (TestApp failing = TestApp.options().spans(spans).env("ORDERS_ERROR_RATE", "1").start()) {
      HttpResponse<String> response = failing.get("/orders/5");

      assertThat(response.statusCode()).isEqualTo(500);
      assertThat(response.body()).contains("\"error\":\"payment_failed\"");
      assertThat(onlySpan(spans, "GET /orders/{id}").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      SpanData charge = onlySpan(spans, "charge-payment");
      assertThat(charge.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(charge.getEvents()).extracting(e -> e.getName()).contains("exception");
    }
  }

  @Test
  void otelSdkDisabledTurnsTelemetryOffButTheAppKeepsServing() throws Exception {
    // Counts span starts, not ends: a server span starts before the handler runs, so before the client has
    // its response, and the check cannot pass early. (An exporter would not do: the SDK's shutdown clears
    // an InMemorySpanExporter.)
    List<String> started = new CopyOnWriteArrayList<>();
    SpanProcessor recordStarts = new SpanProcessor() {
      @Override
      public void onStart(Context parentContext, ReadWriteSpan span) {
        started.add(span.getName());
      }

      @Override
      public boolean isStartRequired() {
        return true;
      }

      @Override
      public void onEnd(ReadableSpan span) {}

      @Override
      public boolean isEndRequired() {
        return false;
      }
    };
    try (TestApp disabled =
        TestApp.options().spanProcessor(recordStarts).otel("otel.sdk.disabled", "true").start()) {
      HttpResponse<String> response = disabled.get("/orders/1");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(disabled.get("/").statusCode()).isEqualTo(200);
      // Had the flag been ignored, the injected processor would have seen both server spans start.
      assertThat(started).isEmpty();
    }
  }
}
