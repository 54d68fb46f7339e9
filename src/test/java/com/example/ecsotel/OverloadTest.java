package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A request shed at MAX_CONCURRENT_REQUESTS (503 overloaded) is visible in the RED metrics (issue 22, item 5):
 * http.server.request.duration gets a point with status 503 and the route, so the error-ratio SLO sees it.
 */
class OverloadTest {
  private final InMemorySpanExporter spans = InMemorySpanExporter.create();

  @Test
  void aShedRequestIsCountedWithStatus503AndItsRouteTemplate() throws Exception {
    whileThePermitIsHeld(app -> {
      HttpResponse<String> shed = app.get("/orders/42");

      assertThat(shed.statusCode()).isEqualTo(503);
      assertThat(shed.body()).contains("\"error\":\"overloaded\"");
      // The point is recorded when the span ends, just after the response is written: wait for it (bounded).
      TestApp.awaitSpansOrMetrics(() -> !durationPoints(app, 503).isEmpty());
      List<HistogramPointData> shedPoints = durationPoints(app, 503);
      assertThat(shedPoints).hasSize(1);
      assertThat(shedPoints.get(0).getCount()).isEqualTo(1);
      assertThat(shedPoints.get(0).getAttributes().get(AttributeKey.stringKey("http.route"))).isEqualTo("/orders/{id}");
      SpanData span = TestApp.onlySpan(spans, "GET /orders/{id}");
      assertThat(span.getAttributes().get(AttributeKey.longKey("http.response.status_code")))
          .as("the shed request's SERVER span").isEqualTo(503);
      // Like every traced response: the error JSON names its trace, in X-Ray form.
      String xrayId = "1-" + span.getTraceId().substring(0, 8) + "-" + span.getTraceId().substring(8);
      assertThat(shed.body()).contains("\"traceId\":\"" + xrayId + "\"");
    });
  }

  @Test
  void aShedRequestToAnUnknownPathHasNoRoute() throws Exception {
    whileThePermitIsHeld(app -> {
      assertThat(app.get("/no/such/path").statusCode()).isEqualTo(503);

      TestApp.awaitSpansOrMetrics(() -> !durationPoints(app, 503).isEmpty());
      List<HistogramPointData> shedPoints = durationPoints(app, 503);
      assertThat(shedPoints).hasSize(1);
      assertThat(shedPoints.get(0).getAttributes().get(AttributeKey.stringKey("http.route"))).isNull();
    });
  }

  @Test
  void healthProbesAreNeverShed() throws Exception {
    // A 503 health probe makes ECS (or the ALB) replace a task that is only busy: probes bypass the limit.
    whileThePermitIsHeld(app -> {
      HttpResponse<String> health = app.get("/health");

      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"status\":\"ok\"");
      assertThat(app.get("/").statusCode()).as("other routes are still shed").isEqualTo(503);
      assertThat(durationPoints(app, 200)).as("probes stay out of telemetry").isEmpty();
    });
  }

  interface WithApp {
    void run(TestApp app) throws Exception;
  }

  /** Runs {@code body} while a request to a stub downstream holds the app's only permit: no timing involved. */
  private void whileThePermitIsHeld(WithApp body) throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (StubServer downstream = StubServer.start()) {
      downstream.on("/slow", r -> {
        release.await(30, TimeUnit.SECONDS);
        return StubServer.Reply.text(200, "text/plain", "ok");
      });
      try (TestApp app = TestApp.options().spans(spans).env("MAX_CONCURRENT_REQUESTS", "1")
          .env("OUTGOING_HTTP_URL", downstream.uri("/slow").toString()).start()) {
        CompletableFuture<HttpResponse<String>> slow = CompletableFuture.supplyAsync(() -> {
          try {
            return app.get("/outgoing-http-call");
          } catch (Exception e) {
            throw new IllegalStateException(e);
          }
        });
        TestApp.awaitSpansOrMetrics(() -> !downstream.requests("/slow").isEmpty());
        assertThat(downstream.requests("/slow")).as("the slow request holds the permit").hasSize(1);
        try {
          body.run(app);
        } finally {
          release.countDown();
        }
        assertThat(slow.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
      } finally {
        release.countDown();
      }
    }
  }

  private static List<HistogramPointData> durationPoints(TestApp app, long status) {
    return app.metrics.collectAllMetrics().stream()
        .filter(m -> m.getName().equals("http.server.request.duration"))
        .flatMap(m -> m.getHistogramData().getPoints().stream())
        .filter(p -> Long.valueOf(status).equals(p.getAttributes().get(AttributeKey.longKey("http.response.status_code"))))
        .toList();
  }
}
