package com.example.ecsotel;

import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** An OTLP/HTTP protobuf receiver on loopback, decoding what the real exporters put on the wire. */
final class OtlpReceiver implements AutoCloseable {
  private final StubServer server;

  private OtlpReceiver(StubServer server) {
    this.server = server;
  }

  static OtlpReceiver start() throws IOException {
    StubServer server = StubServer.start();
    StubServer.Responder ok = request -> new StubServer.Reply(200, "application/x-protobuf", new byte[0]);
    server.on("/v1/traces", ok).on("/v1/metrics", ok).on("/v1/logs", ok);
    return new OtlpReceiver(server);
  }

  String endpoint() {
    return server.uri("").toString();
  }

  List<ExportTraceServiceRequest> traceRequests() throws IOException {
    List<ExportTraceServiceRequest> result = new ArrayList<>();
    for (StubServer.Recorded r : server.requests("/v1/traces")) {
      result.add(ExportTraceServiceRequest.parseFrom(r.body()));
    }
    return result;
  }

  List<ExportMetricsServiceRequest> metricRequests() throws IOException {
    List<ExportMetricsServiceRequest> result = new ArrayList<>();
    for (StubServer.Recorded r : server.requests("/v1/metrics")) {
      result.add(ExportMetricsServiceRequest.parseFrom(r.body()));
    }
    return result;
  }

  List<Span> spans() throws IOException {
    List<Span> spans = new ArrayList<>();
    for (ExportTraceServiceRequest request : traceRequests()) {
      request.getResourceSpansList().forEach(rs -> rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList())));
    }
    return spans;
  }

  List<String> metricNames() throws IOException {
    List<String> names = new ArrayList<>();
    for (ExportMetricsServiceRequest request : metricRequests()) {
      request.getResourceMetricsList().forEach(
          rm -> rm.getScopeMetricsList().forEach(sm -> sm.getMetricsList().forEach(m -> names.add(m.getName()))));
    }
    return names;
  }

  List<StubServer.Recorded> raw(String path) {
    return server.requests(path);
  }

  @Override
  public void close() {
    server.close();
  }
}
