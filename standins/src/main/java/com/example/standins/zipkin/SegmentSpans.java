package com.example.standins.zipkin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import zipkin2.Endpoint;
import zipkin2.Span;

/**
 * Translates X-Ray segment documents (as PutTraceSegments accepted them) into Zipkin v2 spans, so a trace UI shows
 * what X-Ray received: segments become SERVER spans of their service, {@code aws} and {@code remote} subsegments
 * CLIENT spans towards the AWS service or remote host, other subsegments local spans; inline {@code subsegments}
 * are walked too. X-Ray ids map one to one: trace {@code 1-5759e988-bd862e3fe1be46a994272793} is Zipkin trace
 * {@code 5759e988bd862e3fe1be46a994272793}. Written here because no library translates this direction.
 */
public final class SegmentSpans {
  private SegmentSpans() {}

  /** Whether the document is an independent subsegment (its service is that of the segment it descends from). */
  public static boolean isSubsegment(JsonNode document) {
    return "subsegment".equals(document.path("type").asText());
  }

  /**
   * The spans of one accepted document.
   *
   * @param service the service the document belongs to: its own name for a segment, the owning segment's name
   *     for an independent subsegment
   */
  public static List<Span> of(JsonNode document, String service) {
    requireNonNull(document, "document");
    requireNonNull(service, "service");
    List<Span> spans = new ArrayList<>();
    String traceId = zipkinTraceId(document.path("trace_id").asText());
    add(spans, document, traceId, document.path("parent_id").asText(null), service, !isSubsegment(document));
    return spans;
  }

  /** "1-5759e988-bd862e3fe1be46a994272793" -> "5759e988bd862e3fe1be46a994272793". */
  static String zipkinTraceId(String xrayTraceId) {
    String[] parts = xrayTraceId.split("-");
    if (parts.length != 3 || parts[1].length() != 8 || parts[2].length() != 24) {
      throw new IllegalArgumentException("not an X-Ray trace id: " + xrayTraceId);
    }
    return parts[1] + parts[2];
  }

  private static void add(List<Span> out, JsonNode doc, String traceId, String parentId, String service,
      boolean segment) {
    String namespace = doc.path("namespace").asText("");
    JsonNode http = doc.path("http");
    JsonNode annotations = doc.path("annotations");
    Span.Builder span = Span.newBuilder()
        .traceId(traceId)
        .id(doc.path("id").asText())
        .parentId(parentId)
        .name(spanName(doc, segment, namespace))
        .localEndpoint(Endpoint.newBuilder().serviceName(service).build())
        .timestamp(micros(doc.path("start_time").asDouble()))
        .duration(Math.max(1, micros(doc.path("end_time").asDouble() - doc.path("start_time").asDouble())));
    if (segment) {
      span.kind(Span.Kind.SERVER);
      String clientIp = http.path("request").path("client_ip").asText("");
      if (!clientIp.isEmpty()) {
        span.remoteEndpoint(Endpoint.newBuilder().ip(clientIp).build());
      }
    } else if (namespace.equals("aws") || namespace.equals("remote")) {
      span.kind(Span.Kind.CLIENT);
      span.remoteEndpoint(Endpoint.newBuilder().serviceName(remoteService(doc, namespace)).build());
    }
    tag(span, "http.method", http.path("request").path("method"));
    tag(span, "http.url", http.path("request").path("url"));
    tag(span, "http.status_code", http.path("response").path("status"));
    tag(span, "aws.operation", doc.path("aws").path("operation"));
    tag(span, "aws.request_id", doc.path("aws").path("request_id"));
    tag(span, "xray.origin", doc.path("origin"));
    tag(span, "xray.namespace", doc.path("namespace"));
    for (Map.Entry<String, JsonNode> a : annotations.properties()) {
      tag(span, a.getKey(), a.getValue());
    }
    if (doc.path("fault").asBoolean() || doc.path("error").asBoolean()) {
      JsonNode exceptions = doc.path("cause").path("exceptions");
      String message = exceptions.path(0).path("message").asText("");
      span.putTag("error", !message.isEmpty() ? message : doc.path("fault").asBoolean() ? "fault" : "error");
    }
    out.add(span.build());
    for (JsonNode child : doc.path("subsegments")) {
      add(out, child, traceId, doc.path("id").asText(), service, false);
    }
  }

  private static String spanName(JsonNode doc, boolean segment, String namespace) {
    String route = doc.path("annotations").path("http.route").asText("");
    String method = doc.path("http").path("request").path("method").asText("");
    if (segment && !route.isEmpty()) {
      return (method + " " + route).strip();
    }
    String operation = doc.path("aws").path("operation").asText("");
    if (namespace.equals("aws") && !operation.isEmpty()) {
      return operation;
    }
    return doc.path("name").asText("unknown");
  }

  /** The AWS service name ("S3") or the remote host of an HTTP call, lower case as Zipkin shows services. */
  private static String remoteService(JsonNode doc, String namespace) {
    if (namespace.equals("remote")) {
      String url = doc.path("http").path("request").path("url").asText("");
      try {
        String host = URI.create(url).getHost();
        if (host != null) {
          int port = URI.create(url).getPort();
          return port > 0 ? host + ":" + port : host;
        }
      } catch (IllegalArgumentException e) {
        // not a URL: fall back to the subsegment's name
      }
    }
    return doc.path("name").asText("unknown");
  }

  private static void tag(Span.Builder span, String key, JsonNode value) {
    if (!value.isMissingNode() && !value.isNull() && !value.isContainerNode() && !value.asText().isEmpty()) {
      span.putTag(key, value.asText());
    }
  }

  private static long micros(double epochSeconds) {
    return Math.round(epochSeconds * 1_000_000d);
  }
}
