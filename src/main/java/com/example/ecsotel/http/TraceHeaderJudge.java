package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.SampleAppMetrics;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Judges a request's trace headers ({@link TraceHeaders}: each format on its own) and reports the malformed
 * ones: counted in {@code sample_app.trace_header.invalid{header}} and logged at debug, saying what happens to
 * the request (ignored, or rejected with 400 when REJECT_INVALID_TRACE_HEADERS is on).
 */
final class TraceHeaderJudge {
  private static final Logger logger = LoggerFactory.getLogger("request");

  private final SampleAppMetrics metrics;
  private final boolean rejectInvalid;
  private final boolean traced;

  /**
   * {@code traced=false} (OTEL_SDK_DISABLED=true): no propagator reads the headers and the counter is a no-op,
   * so they are judged only when a malformed one answers 400 (REJECT_INVALID_TRACE_HEADERS).
   */
  TraceHeaderJudge(SampleAppMetrics metrics, boolean rejectInvalid, boolean traced) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.rejectInvalid = rejectInvalid;
    this.traced = traced;
  }

  /** Whether a malformed trace header answers 400 (REJECT_INVALID_TRACE_HEADERS). */
  boolean rejectsInvalid() {
    return rejectInvalid;
  }

  /**
   * Judges and reports; {@code shed} says the request is answered 503 anyway (so nothing is "rejected" for
   * its headers).
   */
  TraceHeaders judge(RequestHead head, String template, boolean shed) {
    if (!traced && (shed || !rejectInvalid)) {
      return TraceHeaders.NONE_HIDDEN;
    }
    TraceHeaders traceHeaders = TraceHeaders.judge(head);
    for (String bad : traceHeaders.invalid()) {
      metrics.recordInvalidTraceHeader(bad);
      logger.debug("malformed {} header on {} {} ({})", bad, head.method(), template,
          shed ? "shed" : rejectInvalid ? "rejected" : "ignored");
    }
    return traceHeaders;
  }
}
