package com.example.standins.xray;

import static java.util.Objects.requireNonNull;

import com.example.standins.Reply;
import com.example.standins.Request;
import com.example.standins.Standin;
import com.example.standins.admin.StandinStats;
import com.example.standins.sigv4.SigV4Verifier;
import com.example.standins.sigv4.Verification;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * AWS X-Ray stand-in: the REST-JSON paths the AWS SDKs and CLI call, all SigV4-verified for service {@code xray}, plus
 * the OTLP endpoint /v1/traces. Accepted segment documents are kept in memory for the read APIs and the admin API.
 */
public final class XRayStandin implements Standin {
  /** PutTraceSegments' limit per call ("Exceeding maximum segment count: 50"). */
  public static final int MAX_DOCUMENTS_PER_CALL = 50;

  private final SigV4Verifier verifier;
  private final SegmentStore store;
  private final SamplingRules sampling;

  private XRayStandin(SigV4Verifier verifier, SegmentStore store, SamplingRules sampling) {
    this.verifier = verifier;
    this.store = store;
    this.sampling = sampling;
  }

  public static XRayStandin create(SigV4Verifier verifier, SegmentStore store, SamplingRules sampling) {
    if (!requireNonNull(verifier, "verifier").service().equals("xray")) {
      throw new IllegalArgumentException("X-Ray requests are signed for service 'xray'");
    }
    return new XRayStandin(verifier, requireNonNull(store, "store"), requireNonNull(sampling, "sampling"));
  }

  @Override
  public String name() {
    return "xray";
  }

  @Override
  public Reply handle(Request request, StandinStats stats) {
    String path = request.rawPath();
    if (!List.of("/TraceSegments", "/TelemetryRecords", "/GetSamplingRules", "/SamplingTargets", "/TraceSummaries",
        "/Traces", "/v1/traces").contains(path)) {
      return Reply.awsJsonError(404, "UnknownOperationException", "No X-Ray operation at " + path, "not_found");
    }
    if (!request.method().equals("POST")) {
      return Reply.awsJsonError(405, "UnknownOperationException", path + " takes POST", "method_not_allowed");
    }
    Verification verification = verifier.verify(request.received());
    if (!verification.isAccepted()) {
      return Reply.signatureError(verification);
    }
    if (path.equals("/v1/traces")) {
      return OtlpTraces.handle(request, stats);
    }
    JsonNode body;
    try {
      body = Reply.JSON.readTree(request.body());
    } catch (IOException e) {
      return invalid("request body is not valid JSON");
    }
    if (body == null || !body.isObject()) {
      body = Reply.JSON.createObjectNode();
    }
    return switch (path) {
      case "/TraceSegments" -> putTraceSegments(body, stats);
      case "/TelemetryRecords" -> {
        stats.add("telemetryRecords", body.path("TelemetryRecords").size());
        yield Reply.json(200, Map.of());
      }
      case "/GetSamplingRules" -> Reply.json(200, sampling.rulesResponse());
      case "/SamplingTargets" -> samplingTargets(body, stats);
      case "/TraceSummaries" -> TraceReads.traceSummaries(store, body);
      default -> TraceReads.batchGetTraces(store, body);
    };
  }

  private Reply putTraceSegments(JsonNode body, StandinStats stats) {
    JsonNode docs = body.path("TraceSegmentDocuments");
    if (!docs.isArray()) {
      return invalid("TraceSegmentDocuments is required and must be a list of strings");
    }
    if (docs.size() > MAX_DOCUMENTS_PER_CALL) {
      return invalid("Exceeding maximum segment count: " + MAX_DOCUMENTS_PER_CALL + " (got " + docs.size() + ")");
    }
    ObjectNode response = Reply.JSON.createObjectNode();
    ArrayNode unprocessed = response.putArray("UnprocessedTraceSegments");
    int accepted = 0;
    for (JsonNode doc : docs) {
      SegmentValidator.Result result = doc.isTextual()
          ? SegmentValidator.validate(doc.asText())
          : new SegmentValidator.Result(null, null, "InvalidJson", "Invalid segment. ErrorCode: InvalidJson");
      if (result.valid()) {
        store.add(doc.asText(), result.document());
        stats.add("segments", 1);
        stats.add("subsegments", SegmentValidator.countSubsegments(result.document()));
        accepted++;
      } else {
        ObjectNode item = unprocessed.addObject();
        if (result.id() != null) {
          item.put("Id", result.id());
        }
        item.put("ErrorCode", result.errorCode()).put("Message", result.message());
        stats.add("segmentsUnprocessed", 1);
      }
    }
    Reply reply = Reply.json(200, response);
    return unprocessed.isEmpty()
        ? reply.withOutcome(Reply.ACCEPTED, accepted + " segments")
        : reply.withOutcome(Reply.ACCEPTED, accepted + " segments, " + unprocessed.size() + " unprocessed: "
            + unprocessed.get(0).path("ErrorCode").asText());
  }

  private Reply samplingTargets(JsonNode body, StandinStats stats) {
    JsonNode docs = body.path("SamplingStatisticsDocuments");
    if (!docs.isArray()) {
      return invalid("SamplingStatisticsDocuments is required");
    }
    for (JsonNode doc : docs) {
      stats.add("samplingRequestCount", doc.path("RequestCount").asLong());
      stats.add("samplingSampledCount", doc.path("SampledCount").asLong());
      stats.add("samplingBorrowCount", doc.path("BorrowCount").asLong());
    }
    return Reply.json(200, sampling.targetsResponse(docs));
  }

  static Reply invalid(String message) {
    return Reply.awsJsonError(400, "InvalidRequestException", message, "invalid_request");
  }

  @Override
  public List<?> storedSegments() {
    return store.all().stream().map(SegmentStore.Stored::document).toList();
  }

  /** How many stored documents the store's count or byte bound dropped (not part of the received counters). */
  @Override
  public Map<String, Object> adminStats() {
    return Map.of("evictedSegments", store.evicted());
  }

  @Override
  public Reply putSamplingRules(byte[] body) {
    try {
      sampling.replace(Reply.JSON.readTree(body));
      return Reply.json(200, sampling.rulesResponse());
    } catch (IOException | IllegalArgumentException | NullPointerException e) {
      return Reply.awsJsonError(400, "InvalidRequestException", String.valueOf(e.getMessage()), "admin.bad_request");
    }
  }

  @Override
  public Reply faultReply(int status) {
    return status == 429
        ? Reply.awsJsonError(429, "ThrottledException", "Rate exceeded (injected fault)", "fault.429")
        : Reply.awsJsonError(503, "ServiceUnavailableException", "Service unavailable (injected fault)", "fault.503");
  }

  @Override
  public void reset() {
    store.clear();
    sampling.reset();
  }
}
