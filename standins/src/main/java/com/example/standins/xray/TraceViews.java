package com.example.standins.xray;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Builds the read APIs' shapes (TraceSummary, Trace) from stored segments. */
final class TraceViews {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TraceViews() {}

  static double startTime(List<SegmentStore.Stored> segments) {
    return segments.stream().mapToDouble(s -> s.document().path("start_time").asDouble()).min().orElse(0);
  }

  static double duration(List<SegmentStore.Stored> segments) {
    double end = segments.stream()
        .mapToDouble(s -> s.document().path("end_time").asDouble(s.document().path("start_time").asDouble()))
        .max().orElse(0);
    return Math.max(0, end - startTime(segments));
  }

  /** The root segment: the one without parent_id, else the earliest. */
  static JsonNode root(List<SegmentStore.Stored> segments) {
    return segments.stream().map(SegmentStore.Stored::document)
        .filter(d -> !d.has("parent_id"))
        .findFirst()
        .orElse(segments.get(0).document());
  }

  static ObjectNode summary(String traceId, List<SegmentStore.Stored> segments) {
    List<JsonNode> docs = segments.stream().map(SegmentStore.Stored::document).toList();
    JsonNode root = root(segments);
    ObjectNode summary = JSON.createObjectNode();
    summary.put("Id", traceId);
    summary.put("StartTime", startTime(segments));
    summary.put("Duration", duration(segments));
    summary.put("ResponseTime",
        root.path("end_time").asDouble(root.path("start_time").asDouble()) - root.path("start_time").asDouble());
    summary.put("HasFault", TraceFilter.any(docs, "fault"));
    summary.put("HasError", TraceFilter.any(docs, "error"));
    summary.put("HasThrottle", TraceFilter.any(docs, "throttle"));
    summary.put("IsPartial", docs.stream().anyMatch(d -> d.path("in_progress").asBoolean(false)));
    JsonNode http = root.path("http");
    if (http.isObject()) {
      ObjectNode out = summary.putObject("Http");
      putText(out, "HttpURL", http.path("request").path("url"));
      putText(out, "HttpMethod", http.path("request").path("method"));
      putText(out, "UserAgent", http.path("request").path("user_agent"));
      putText(out, "ClientIp", http.path("request").path("client_ip"));
      if (http.path("response").path("status").canConvertToInt()) {
        out.put("HttpStatus", http.path("response").path("status").asInt());
      }
    }
    ArrayNode services = summary.putArray("ServiceIds");
    Set<String> names = new LinkedHashSet<>();
    docs.forEach(d -> names.add(d.path("name").asText()));
    for (String name : names) {
      ObjectNode service = services.addObject();
      service.put("Name", name);
      service.putArray("Names").add(name);
      docs.stream().filter(d -> d.path("name").asText().equals(name) && d.path("origin").isTextual())
          .findFirst().ifPresent(d -> service.put("Type", d.path("origin").asText()));
    }
    ObjectNode entry = summary.putObject("EntryPoint");
    entry.put("Name", root.path("name").asText());
    entry.putArray("Names").add(root.path("name").asText());
    if (root.path("origin").isTextual()) {
      entry.put("Type", root.path("origin").asText());
    }
    return summary;
  }

  static ObjectNode trace(String traceId, List<SegmentStore.Stored> segments) {
    ObjectNode trace = JSON.createObjectNode();
    trace.put("Id", traceId);
    trace.put("Duration", duration(segments));
    trace.put("LimitExceeded", false);
    ArrayNode out = trace.putArray("Segments");
    for (SegmentStore.Stored s : segments) {
      out.addObject().put("Id", s.id()).put("Document", s.text());
    }
    return trace;
  }

  private static void putText(ObjectNode out, String field, JsonNode value) {
    if (value.isTextual()) {
      out.put(field, value.asText());
    }
  }
}
