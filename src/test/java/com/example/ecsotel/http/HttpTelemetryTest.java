package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.ContextPropagators;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * OTEL_SDK_DISABLED=true (issue 20, item 1): the instrumenters are built disabled, so they decline at
 * shouldStart and the callers (ServerSpans, OutgoingHttp) never reach start/end, where attributes are extracted
 * and metric points recorded. On the propagating no-op API that a disabled SDK hands out, an enabled instrumenter
 * would accept (the contrast below): only setEnabled(false) makes the difference, so removing it fails this test.
 */
class HttpTelemetryTest {
  private static final OpenTelemetry DISABLED_SDK =
      OpenTelemetry.propagating(ContextPropagators.create(W3CTraceContextPropagator.getInstance()));

  @Test
  void disabledInstrumentersDeclineEveryRequestOnTheDisabledSdksApi() {
    assertThat(HttpTelemetry.server(DISABLED_SDK, false).shouldStart(Context.root(), null)).isFalse();
    assertThat(HttpTelemetry.client(DISABLED_SDK, false)
        .shouldStart(Context.root(), new ClientRequest(URI.create("http://127.0.0.1:9/")))).isFalse();
  }

  @Test
  void enabledInstrumentersOnTheSameApiWouldStart() {
    assertThat(HttpTelemetry.server(DISABLED_SDK, true).shouldStart(Context.root(), null)).isTrue();
    assertThat(HttpTelemetry.client(DISABLED_SDK, true)
        .shouldStart(Context.root(), new ClientRequest(URI.create("http://127.0.0.1:9/")))).isTrue();
  }
}
