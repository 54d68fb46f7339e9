package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The same shutdown path the SIGTERM hook runs, observed through an in-memory exporter. */
class GracefulShutdownTest {

  @Test
  void shutdownClosesTheOutgoingHttpClient() throws Exception {
    // The app's own client, not a snapshot of JVM threads: other clients (the tests' own) come and go.
    TestApp app = TestApp.options().start();
    var outgoing = app.app.outgoingHttp();
    assertThat(outgoing.isClosed()).as("open while the app runs").isFalse();

    app.close();

    TestApp.awaitSpansOrMetrics(outgoing::isClosed);
    assertThat(outgoing.isClosed()).as("the outgoing HttpClient terminated by shutdown").isTrue();
  }

  @Test
  void shutdownLetsInFlightRequestsFinishAndFlushesEveryFinishedSpan() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    // A batch processor that would not export for an hour: only the shutdown flush can deliver.
    BatchSpanProcessor batch =
        BatchSpanProcessor.builder(keepOnShutdown(spans)).setScheduleDelay(Duration.ofHours(1)).setMaxExportBatchSize(512).build();
    CountDownLatch upstreamReached = new CountDownLatch(1);
    try (StubServer upstream = StubServer.start()) {
      upstream.on("/slow", request -> {
        upstreamReached.countDown();
        Thread.sleep(500);
        return StubServer.Reply.text(200, "text/plain", "done");
      });
      TestApp app =
          TestApp.options()
              .spanProcessor(batch)
              .env("SHUTDOWN_GRACE_SECONDS", "5")
              .env("OUTGOING_HTTP_URL", upstream.uri("/slow").toString())
              .start();
      try {
        for (int i = 1; i <= 20; i++) {
          assertThat(app.get("/orders/" + i).statusCode()).isEqualTo(200);
        }
        CompletableFuture<HttpResponse<String>> inFlight =
            CompletableFuture.supplyAsync(() -> {
              try {
                return app.get("/outgoing-http-call");
              } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
        assertThat(upstreamReached.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(spans.getFinishedSpanItems()).isEmpty();

        assertThat(app.app.shutdown()).isTrue();

        assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(TestApp.spansNamed(spans, "GET /orders/{id}")).hasSize(20);
        assertThat(TestApp.spansNamed(spans, "charge-payment")).hasSize(20);
        assertThat(TestApp.spansNamed(spans, "GET /outgoing-http-call")).hasSize(1);
        assertThat(TestApp.spansNamed(spans, "outgoing-http-call")).hasSize(1);
        // Stopped means stopped: new connections are refused.
        assertThatThrownBy(() -> app.get("/")).isInstanceOf(IOException.class);
      } finally {
        app.close();
      }
    }
  }

  /** InMemorySpanExporter forgets its spans on shutdown; this view keeps them for the assertions. */
  private static SpanExporter keepOnShutdown(InMemorySpanExporter delegate) {
    return new SpanExporter() {
      @Override
      public CompletableResultCode export(Collection<SpanData> spans) {
        return delegate.export(spans);
      }

      @Override
      public CompletableResultCode flush() {
        return delegate.flush();
      }

      @Override
      public CompletableResultCode shutdown() {
        return CompletableResultCode.ofSuccess();
      }
    };
  }
}
