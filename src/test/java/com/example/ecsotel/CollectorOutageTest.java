package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

/** With the sidecar collector gone, the real OTLP exporters fail in the background only. */
class CollectorOutageTest {
  @Test
  void requestsSucceedWhileEveryExportFails() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (TestApp app =
        TestApp.options()
            .otel("otel.traces.exporter", "otlp")
            .otel("otel.metrics.exporter", "otlp")
            .otel("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + closedPort)
            .otel("otel.exporter.otlp.protocol", "http/protobuf")
            .otel("otel.exporter.otlp.timeout", "500")
            .otel("otel.bsp.schedule.delay", "10")
            .otel("otel.metric.export.interval", "100")
            .start()) {
      for (int i = 1; i <= 50; i++) {
        assertThat(app.get("/orders/" + i).statusCode()).isEqualTo(200);
      }
    }
  }
}
