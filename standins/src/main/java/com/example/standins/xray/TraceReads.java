package com.example.standins.xray;

import com.example.standins.Reply;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** The read APIs users know from the console and CLI: GetTraceSummaries and BatchGetTraces. */
final class TraceReads {
  private TraceReads() {}

  static Reply traceSummaries(SegmentStore store, JsonNode body) {
    if (!body.path("StartTime").isNumber() || !body.path("EndTime").isNumber()) {
      return XRayStandin.invalid("StartTime and EndTime are required (epoch seconds)");
    }
    double start = body.path("StartTime").asDouble();
    double end = body.path("EndTime").asDouble();
    if (end < start) {
      return XRayStandin.invalid("EndTime must not be before StartTime");
    }
    Predicate<List<JsonNode>> filter;
    try {
      filter = TraceFilter.parse(body.path("FilterExpression").asText(null));
    } catch (IllegalArgumentException e) {
      return XRayStandin.invalid(e.getMessage());
    }
    ObjectNode response = Reply.JSON.createObjectNode();
    ArrayNode summaries = response.putArray("TraceSummaries");
    int processed = 0;
    for (Map.Entry<String, List<SegmentStore.Stored>> trace : store.byTrace().entrySet()) {
      double traceStart = TraceViews.startTime(trace.getValue());
      if (traceStart < start || traceStart > end) {
        continue;
      }
      processed++;
      if (filter.test(trace.getValue().stream().map(SegmentStore.Stored::document).toList())) {
        summaries.add(TraceViews.summary(trace.getKey(), trace.getValue()));
      }
    }
    response.put("ApproximateTime", end);
    response.put("TracesProcessedCount", processed);
    return Reply.json(200, response);
  }

  static Reply batchGetTraces(SegmentStore store, JsonNode body) {
    JsonNode ids = body.path("TraceIds");
    if (!ids.isArray() || ids.isEmpty()) {
      return XRayStandin.invalid("TraceIds is required");
    }
    Map<String, List<SegmentStore.Stored>> traces = store.byTrace();
    ObjectNode response = Reply.JSON.createObjectNode();
    ArrayNode found = response.putArray("Traces");
    ArrayNode missing = response.putArray("UnprocessedTraceIds");
    for (JsonNode id : ids) {
      List<SegmentStore.Stored> segments = traces.get(id.asText());
      if (segments == null) {
        missing.add(id.asText());
      } else {
        found.add(TraceViews.trace(id.asText(), segments));
      }
    }
    return Reply.json(200, response);
  }

}
