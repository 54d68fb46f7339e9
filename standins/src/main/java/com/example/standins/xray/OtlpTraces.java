package com.example.standins.xray;

import com.example.standins.Reply;
import com.example.standins.Request;
import com.example.standins.admin.StandinStats;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Decodes what the collector's otlp_http exporter sends to X-Ray's OTLP endpoint (/v1/traces). */
final class OtlpTraces {
  /** Bound on the decompressed size: a gzip bomb must not take the stand-in down. */
  static final int MAX_UNCOMPRESSED_BYTES = 64 * 1024 * 1024;

  private OtlpTraces() {}

  /** Decompresses per Content-Encoding (none or gzip) and parses; throws IOException when malformed. */
  static ExportTraceServiceRequest decode(byte[] body, String contentEncoding) throws IOException {
    byte[] raw = body;
    if (contentEncoding != null && contentEncoding.strip().equalsIgnoreCase("gzip")) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(body))) {
        raw = in.readNBytes(MAX_UNCOMPRESSED_BYTES + 1);
      }
      if (raw.length > MAX_UNCOMPRESSED_BYTES) {
        throw new IOException("decompressed body exceeds " + MAX_UNCOMPRESSED_BYTES + " bytes");
      }
    } else if (contentEncoding != null && !contentEncoding.isBlank()
        && !contentEncoding.strip().equalsIgnoreCase("identity")) {
      throw new IOException("unsupported Content-Encoding '" + contentEncoding + "'");
    }
    return ExportTraceServiceRequest.parseFrom(raw);
  }

  static long spanCount(ExportTraceServiceRequest request) {
    long spans = 0;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        spans += ss.getSpansCount();
      }
    }
    return spans;
  }

  /** Handles POST /v1/traces after SigV4 verification: protobuf only, gzip or identity, spans counted. */
  static Reply handle(Request request, StandinStats stats) {
    String type = request.header("Content-Type");
    if (type == null || !type.strip().startsWith("application/x-protobuf")) {
      return Reply.awsJsonError(415, "UnsupportedMediaTypeException",
          "Content-Type must be application/x-protobuf, got '" + type + "'", "otlp.content_type");
    }
    ExportTraceServiceRequest export;
    try {
      export = decode(request.body(), request.header("Content-Encoding"));
    } catch (IOException e) {
      return Reply.awsJsonError(400, "InvalidRequestException",
          "body is not an OTLP ExportTraceServiceRequest: " + e.getMessage(), "otlp.malformed");
    }
    long spans = spanCount(export);
    stats.add("spans", spans);
    stats.add("otlpRequests", 1);
    return Reply.bytes(200, "application/x-protobuf", ExportTraceServiceResponse.getDefaultInstance().toByteArray())
        .withOutcome(Reply.ACCEPTED, spans + " spans");
  }
}
