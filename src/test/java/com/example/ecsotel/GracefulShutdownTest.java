package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.ecsotel.config.AppConfig;
import com.example.ecsotel.config.ShutdownBudget;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
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

  @Test
  void aBlockedStdoutDelaysNeitherTheDrainNorTheFlush() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    BatchSpanProcessor batch =
        BatchSpanProcessor.builder(keepOnShutdown(spans)).setScheduleDelay(Duration.ofHours(1)).build();
    BlockingStream stdout = new BlockingStream();
    TestApp app = TestApp.options().spanProcessor(batch)
        .accessLog(new PrintStream(stdout, true, StandardCharsets.UTF_8)).start(); // tests log at warn: no stdout
    try {
      stdout.arm();
      for (int i = 1; i <= 5; i++) {
        assertThat(app.get("/orders/" + i).statusCode()).isEqualTo(200);
      }
      assertThat(stdout.entered().await(10, TimeUnit.SECONDS)).as("stdout blocked, its lock held by a writer").isTrue();
      ShutdownBudget budget = AppConfig.fromEnv(Map.of("SHUTDOWN_GRACE_SECONDS", "2")).shutdownBudget();

      // The SIGTERM path on its own thread, so a stop that blocks on stdout fails this test instead of hanging it.
      CompletableFuture<Boolean> stopped = new CompletableFuture<>();
      Thread.ofPlatform().daemon().start(() -> stopped.complete(app.app.shutdown()));

      // ECS's SIGKILL comes at the stop timeout: the stop (drain, flush, the access log's bounded close) ends before.
      assertThat(stopped.get(budget.stopTimeout().toMillis(), TimeUnit.MILLISECONDS)).as("flushed").isTrue();
      assertThat(TestApp.spansNamed(spans, "GET /orders/{id}")).as("every finished span exported").hasSize(5);
    } finally {
      stdout.release();
      app.close();
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
