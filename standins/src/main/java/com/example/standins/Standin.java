package com.example.standins;

import com.example.standins.admin.StandinStats;
import java.util.List;
import java.util.Map;

/** One stand-in service: its routes, plus the hooks the shared admin API calls. */
public interface Standin {
  /** Short name used in logs ("xray", "amp", "s3", "ecs-metadata"). */
  String name();

  /** Handles a non-admin request; never throws for bad client input (that is a 4xx reply). */
  Reply handle(Request request, StandinStats stats);

  /** Stored documents for GET /admin/segments; empty for stand-ins that store none. */
  default List<?> storedSegments() {
    return List.of();
  }

  /** Extra top-level keys for GET /admin/stats (e.g. X-Ray's store evictions); none by default. */
  default Map<String, Object> adminStats() {
    return Map.of();
  }

  /** PUT /admin/sampling-rules; only the X-Ray stand-in has rules. */
  default Reply putSamplingRules(byte[] body) {
    return Reply.awsJsonError(404, "NotFound", "this stand-in has no sampling rules", "admin.not_found");
  }

  /** The reply for an injected fault (429 or 503) in this service's error shape. */
  default Reply faultReply(int status) {
    return status == 429
        ? Reply.awsJsonError(429, "ThrottlingException", "Rate exceeded (injected fault)", "fault.429")
        : Reply.awsJsonError(503, "ServiceUnavailableException", "Service unavailable (injected fault)", "fault.503");
  }

  /** POST /admin/reset: forget stored data (counters are reset by the server). */
  default void reset() {}
}
