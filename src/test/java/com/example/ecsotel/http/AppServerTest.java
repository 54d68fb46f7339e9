package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.ecsotel.telemetry.SampleAppMetrics;
import io.opentelemetry.api.OpenTelemetry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/** A start that fails after the access log was built leaves no writer thread behind (review of issue 20). */
class AppServerTest {

  @Test
  void aFailedStartLeavesNoAccessLogThread() throws Exception {
    long before = accessLogThreads();
    SampleAppMetrics metrics = SampleAppMetrics.create(OpenTelemetry.noop(), false);
    // A null router fails in the Dispatcher, after the access log's thread has started.
    assertThatThrownBy(() -> AppServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null,
        OpenTelemetry.noop(), metrics, 10, false, false, new PrintStream(new ByteArrayOutputStream())))
        .isInstanceOf(NullPointerException.class).hasMessageContaining("router");
    // close(Duration.ZERO) does not wait for the writer to end: give it a moment (bounded).
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (accessLogThreads() > before && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(accessLogThreads()).isLessThanOrEqualTo(before);
  }

  private static long accessLogThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("access-log") && t.isAlive()).count();
  }
}
