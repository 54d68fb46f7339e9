package com.example.ecsotel;

import static com.example.ecsotel.TestApp.onlySpan;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Two in-process instances, A calling B, form one trace with a parent/child link across HTTP. */
class TwoServiceTraceTest {
  private static final AttributeKey<String> SERVICE_NAME = AttributeKey.stringKey("service.name");

  @Test
  void outgoingSampleAppChainsTwoServicesIntoOneTrace() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (StubServer leafTarget = StubServer.start();
        TestApp b =
            TestApp.options()
                .spans(spans)
                .otel("otel.service.name", "sample-app-peer")
                .env("OUTGOING_HTTP_URL", leafTarget.uri("/leaf").toString())
                .start();
        TestApp a =
            TestApp.options().spans(spans).env("SAMPLE_APP_PEERS", b.uri("").toString()).start()) {
      HttpResponse<String> response = a.get("/outgoing-sampleapp");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"target\":\"" + b.uri("/outgoing-sampleapp") + "\",\"statusCode\":200");
      List<SpanData> servers = TestApp.awaitSpans(spans, "GET /outgoing-sampleapp", 2);
      assertThat(servers).hasSize(2);
      SpanData aServer = servers.stream().filter(s -> "sample-app".equals(s.getResource().getAttribute(SERVICE_NAME))).findFirst().orElseThrow();
      SpanData bServer = servers.stream().filter(s -> "sample-app-peer".equals(s.getResource().getAttribute(SERVICE_NAME))).findFirst().orElseThrow();

      SpanData invokeAll = spans.getFinishedSpanItems().stream()
          .filter(s -> s.getName().equals("invoke-sample-apps") && s.getParentSpanId().equals(aServer.getSpanId()))
          .findFirst().orElseThrow();
      SpanData invokeOne = onlySpan(spans, "invoke-sampleapp");
      assertThat(invokeOne.getParentSpanId()).isEqualTo(invokeAll.getSpanId());
      SpanData aClient = spans.getFinishedSpanItems().stream()
          .filter(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId().equals(invokeOne.getSpanId()))
          .findFirst().orElseThrow();

      // B's server span is the child of A's client span: same trace, remote parent.
      assertThat(bServer.getTraceId()).isEqualTo(aServer.getTraceId());
      assertThat(bServer.getParentSpanId()).isEqualTo(aClient.getSpanId());
      assertThat(bServer.getParentSpanContext().isRemote()).isTrue();

      // B has no peers: it makes the spec's leaf request instead.
      SpanData leaf = onlySpan(spans, "leaf-request");
      assertThat(leaf.getResource().getAttribute(SERVICE_NAME)).isEqualTo("sample-app-peer");
      assertThat(leaf.getTraceId()).isEqualTo(aServer.getTraceId());
      assertThat(leafTarget.requests("/leaf")).hasSize(1);
    }
  }

  @Test
  void mutualPeersStopAfterABoundedNumberOfHops() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (StubServer leafTarget = StubServer.start();
        TestApp self =
            TestApp.options().spans(spans).env("OUTGOING_HTTP_URL", leafTarget.uri("/leaf").toString()).start()) {
      // An instance listing itself as peer: without the hop guard this would recurse forever.
      try (TestApp looping =
          TestApp.options()
              .spans(spans)
              .env("OUTGOING_HTTP_URL", leafTarget.uri("/leaf").toString())
              .env("SAMPLE_APP_PEERS", self.uri("").toString() + "," + self.uri("").toString())
              .start()) {
        HttpResponse<String> response = looping.get("/outgoing-sampleapp", "X-Sample-App-Hop", "2");
        assertThat(response.statusCode()).isEqualTo(200);
        // Hop 3 is the limit: each of the two calls ends in one leaf request.
        assertThat(leafTarget.requests("/leaf")).hasSize(2);
      }
    }
  }
}
