package com.example.standins.xray;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks one trace segment document against the X-Ray segment document schema, the way PutTraceSegments does: an
 * invalid document is not an error of the call, it comes back in UnprocessedTraceSegments with an ErrorCode.
 */
public final class SegmentValidator {
  /** X-Ray's limit on one segment document. */
  public static final int MAX_DOCUMENT_BYTES = 64 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ID = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern TRACE_ID = Pattern.compile("1-[0-9a-f]{8}-[0-9a-f]{24}");
  private static final Pattern ID_IN_TEXT = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]{0,64})\"");

  private SegmentValidator() {}

  /** Either the parsed document or the error code and message X-Ray would report for it. */
  public record Result(JsonNode document, String id, String errorCode, String message) {
    public boolean valid() {
      return errorCode == null;
    }
  }

  public static Result validate(String text) {
    if (text.getBytes(StandardCharsets.UTF_8).length > MAX_DOCUMENT_BYTES) {
      return invalid(idFromText(text), "SegmentTooLarge", "segment document exceeds 64 KB");
    }
    JsonNode doc;
    try {
      doc = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      return invalid(idFromText(text), "InvalidJson", "segment document is not valid JSON");
    }
    if (doc == null || !doc.isObject()) {
      return invalid(null, "InvalidJson", "segment document must be a JSON object");
    }
    String id = doc.path("id").isTextual() ? doc.path("id").asText() : null;
    boolean independentSubsegment = "subsegment".equals(doc.path("type").asText(null));
    String problem = check(doc, true, independentSubsegment);
    return problem == null ? new Result(doc, id, null, null) : invalid(id, problem, null);
  }

  /** Returns the X-Ray ErrorCode for the first violation, or null. */
  private static String check(JsonNode node, boolean topLevel, boolean independentSubsegment) {
    JsonNode name = node.path("name");
    if (!name.isTextual() || name.asText().isEmpty()) {
      return "MissingName";
    }
    if (name.asText().length() > 200) {
      return "InvalidName";
    }
    if (!node.path("id").isTextual()) {
      return "MissingId";
    }
    if (!ID.matcher(node.path("id").asText()).matches()) {
      return "InvalidId";
    }
    if (topLevel) {
      if (!node.path("trace_id").isTextual()) {
        return "MissingTraceId";
      }
      if (!TRACE_ID.matcher(node.path("trace_id").asText()).matches()) {
        return "InvalidTraceId";
      }
      if (independentSubsegment && !node.path("parent_id").isTextual()) {
        return "MissingParentId";
      }
    }
    if (node.has("parent_id") && !ID.matcher(node.path("parent_id").asText("")).matches()) {
      return "InvalidParentId";
    }
    if (!node.path("start_time").isNumber()) {
      return "MissingStartTime";
    }
    boolean inProgress = node.path("in_progress").asBoolean(false);
    boolean hasEnd = node.path("end_time").isNumber();
    if (!inProgress && !hasEnd) {
      return "MissingEndTime";
    }
    if (inProgress && hasEnd) {
      return "InvalidEndTime";
    }
    if (hasEnd && node.path("end_time").asDouble() < node.path("start_time").asDouble()) {
      return "InvalidEndTime";
    }
    JsonNode subsegments = node.path("subsegments");
    if (!subsegments.isMissingNode()) {
      if (!subsegments.isArray()) {
        return "InvalidSubsegments";
      }
      for (JsonNode sub : subsegments) {
        String problem = sub.isObject() ? check(sub, false, false) : "InvalidSubsegments";
        if (problem != null) {
          return "Subsegment" + problem;
        }
      }
    }
    return null;
  }

  /** Counts the nested subsegments (recursively) of a valid document. */
  public static int countSubsegments(JsonNode node) {
    int count = 0;
    for (JsonNode sub : node.path("subsegments")) {
      count += 1 + countSubsegments(sub);
    }
    return count;
  }

  private static Result invalid(String id, String code, String detail) {
    String message = "Invalid segment. ErrorCode: " + code + (detail == null ? "" : " (" + detail + ")");
    return new Result(null, id, code, message);
  }

  private static String idFromText(String text) {
    Matcher m = ID_IN_TEXT.matcher(text.length() > 4096 ? text.substring(0, 4096) : text);
    return m.find() ? m.group(1) : null;
  }
}
