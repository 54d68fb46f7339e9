package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The default sampler is the parent-based X-Ray remote sampler, polling XRAY_SAMPLING_ENDPOINT (a
 * stand-in of the collector's awsproxy here) every XRAY_SAMPLING_POLL_SECONDS.
 */
class XraySamplingTest {
  // Orders are always sampled; everything else falls to a default rule that samples nothing.
  private static final String RULES =
      """
      {"SamplingRuleRecords":[
        {"SamplingRule":{"RuleName":"orders","RuleARN":"arn:aws:xray:us-west-2:123456789012:sampling-rule/orders",
          "ResourceARN":"*","Priority":1,"FixedRate":1.0,"ReservoirSize":0,"ServiceName":"sample-app",
          "ServiceType":"*","Host":"*","HTTPMethod":"GET","URLPath":"/orders/*","Version":1,"Attributes":{}},
         "CreatedAt":1700000000.0,"ModifiedAt":1700000000.0},
        {"SamplingRule":{"RuleName":"Default","RuleARN":"arn:aws:xray:us-west-2:123456789012:sampling-rule/Default",
          "ResourceARN":"*","Priority":10000,"FixedRate":0.0,"ReservoirSize":0,"ServiceName":"*",
          "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","Version":1,"Attributes":{}},
         "CreatedAt":1700000000.0,"ModifiedAt":1700000000.0}]}
      """;
  private static final String NO_TARGETS =
      "{\"SamplingTargetDocuments\":[],\"LastRuleModification\":1700000000.0,\"UnprocessedStatistics\":[]}";

  private final InMemorySpanExporter spans = InMemorySpanExporter.create();
  private StubServer xray;
  private TestApp app;

  @BeforeEach
  void setUp() throws Exception {
    xray = StubServer.start();
    xray.on("/GetSamplingRules", r -> StubServer.Reply.text(200, "application/json", RULES));
    xray.on("/SamplingTargets", r -> StubServer.Reply.text(200, "application/json", NO_TARGETS));
    app =
        TestApp.options()
            .spans(spans)
            .unsetOtel("otel.traces.sampler")
            .env("XRAY_SAMPLING_ENDPOINT", xray.uri("").toString())
            .env("XRAY_SAMPLING_POLL_SECONDS", "1")
            .start();
  }

  @AfterEach
  void tearDown() {
    app.close();
    xray.close();
  }

  @Test
  void pollsTheConfiguredEndpointForSamplingRules() {
    TestApp.awaitSpansOrMetrics(() -> !xray.requests("/GetSamplingRules").isEmpty());

    StubServer.Recorded poll = xray.requests("/GetSamplingRules").get(0);
    assertThat(poll.method()).isEqualTo("POST");
    assertThat(new String(poll.body(), StandardCharsets.UTF_8)).startsWith("{");
    assertThat(poll.headers().getFirst("Content-Type")).contains("json");
  }

  @Test
  void polledRulesMatchingMethodAndPathDecideSampling() throws Exception {
    TestApp.awaitSpansOrMetrics(() -> !xray.requests("/GetSamplingRules").isEmpty());
    // The fallback (1/s, then 5 %) cannot sample ten requests in a row; the polled 100 % rule can.
    boolean allSampled = false;
    for (int round = 0; round < 50 && !allSampled; round++) {
      spans.reset();
      for (int i = 0; i < 10; i++) {
        app.get("/orders/" + (i + 1));
      }
      allSampled = TestApp.awaitSpans(spans, "GET /orders/{id}", 10).size() == 10;
      if (!allSampled) {
        Thread.sleep(200);
      }
    }
    assertThat(allSampled).as("ten consecutive /orders requests sampled by the X-Ray rule").isTrue();

    // Rules are in force now: the 0 % default rule drops everything that is not an order.
    spans.reset();
    for (int i = 0; i < 10; i++) {
      app.get("/");
    }
    app.get("/orders/1");
    TestApp.onlySpan(spans, "GET /orders/{id}");
    assertThat(TestApp.spansNamed(spans, "GET /")).isEmpty();
  }

  @Test
  void aDeferredDecisionWithAParentGetsTheRulesDecision() throws Exception {
    awaitRulesInForce();
    String orderTrace = "5759e988bd862e3fe1be46a994272795";
    spans.reset();

    var order = app.get("/orders/1", "X-Amzn-Trace-Id",
        "Root=1-5759e988-bd862e3fe1be46a994272795;Parent=53995c3f42cd8ad8;Sampled=?");
    var root = app.get("/", "X-Amzn-Trace-Id",
        "Root=1-5759e988-bd862e3fe1be46a994272796;Parent=53995c3f42cd8ad8;Sampled=?");

    // The 100 % orders rule samples the deferred order, in the caller's trace under the caller's parent ...
    assertThat(order.body()).contains("\"traceId\":\"1-5759e988-bd862e3fe1be46a994272795\"");
    var span = TestApp.onlySpan(spans, "GET /orders/{id}");
    assertThat(span.getTraceId()).isEqualTo(orderTrace);
    assertThat(span.getParentSpanId()).isEqualTo("53995c3f42cd8ad8");
    assertThat(span.getParentSpanContext().isRemote()).isTrue();
    assertThat(span.getSpanContext().isSampled()).isTrue();
    // ... and the 0 % default rule drops the deferred "/": the rules decide, not the header.
    assertThat(root.body()).contains("\"traceId\":\"1-5759e988-bd862e3fe1be46a994272796\"");
    assertThat(TestApp.spansNamed(spans, "GET /")).isEmpty();
  }

  @Test
  void aParentWithoutADecisionGetsTheRulesDecision() throws Exception {
    // No Sampled field: the X-Ray SDKs treat a missing decision like '?' (the contrib propagator reads "not sampled").
    awaitRulesInForce();
    spans.reset();

    var order = app.get("/orders/1", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272797;Parent=53995c3f42cd8ad8");
    var root = app.get("/", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272798;Parent=53995c3f42cd8ad8");

    var span = TestApp.onlySpan(spans, "GET /orders/{id}");
    assertThat(span.getTraceId()).isEqualTo("5759e988bd862e3fe1be46a994272797");
    assertThat(span.getParentSpanId()).isEqualTo("53995c3f42cd8ad8");
    assertThat(span.getSpanContext().isSampled()).isTrue();
    assertThat(order.body()).contains("\"traceId\":\"1-5759e988-bd862e3fe1be46a994272797\"");
    assertThat(root.body()).contains("\"traceId\":\"1-5759e988-bd862e3fe1be46a994272798\"");
    assertThat(TestApp.spansNamed(spans, "GET /")).isEmpty();
  }

  /** Waits (bounded) until the polled rules, not the built-in fallback, decide: ten orders in a row sampled. */
  private void awaitRulesInForce() throws Exception {
    TestApp.awaitSpansOrMetrics(() -> !xray.requests("/GetSamplingRules").isEmpty());
    for (int round = 0; round < 50; round++) {
      spans.reset();
      for (int i = 0; i < 10; i++) {
        app.get("/orders/" + (i + 1));
      }
      if (TestApp.awaitSpans(spans, "GET /orders/{id}", 10).size() == 10) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("the polled rules never came into force");
  }

  @Test
  void anUnsampledParentIsRespected() throws Exception {
    TestApp.awaitSpansOrMetrics(() -> !xray.requests("/GetSamplingRules").isEmpty());

    var response = app.get("/orders/1", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0");
    var sampled = app.get("/", "X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272794;Parent=53995c3f42cd8ad8;Sampled=1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).contains("\"traceId\":\"1-5759e988-bd862e3fe1be46a994272793\"");
    assertThat(sampled.statusCode()).isEqualTo(200);
    // The sampled parent wins over the 0 % rule for "/", the unsampled one over the 100 % orders rule.
    assertThat(TestApp.onlySpan(spans, "GET /").getTraceId()).isEqualTo("5759e988bd862e3fe1be46a994272794");
    assertThat(TestApp.spansNamed(spans, "GET /orders/{id}")).isEmpty();
  }
}
