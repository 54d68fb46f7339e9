package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.AwsTraceHeader;
import java.util.ArrayList;
import java.util.List;

/**
 * Which incoming trace-context headers the propagators may read, each format judged on its own: a
 * malformed {@code traceparent} hides only itself (the W3C propagator then never reads {@code tracestate}:
 * it means nothing without its traceparent); a malformed {@code X-Amzn-Trace-Id} hides only itself; {@code baggage}
 * is never hidden (the baggage propagator drops bad entries by itself). So a client's broken traceparent
 * never costs the ALB's Root, and the other way round. The judgement parses {@code X-Amzn-Trace-Id} once per
 * request and carries the result ({@link #xray()}) to the server span's start and to the X-Ray propagator.
 */
record TraceHeaders(List<String> invalid, boolean hidesTraceparent, boolean hidesXray, boolean hidesAll,
    boolean judged, AwsTraceHeader xray) {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  static final String XRAY = "x-amzn-trace-id";
  static final String BAGGAGE = "baggage";

  /** Not judged (telemetry off): nothing hidden, nothing parsed. */
  static final TraceHeaders NONE_HIDDEN = new TraceHeaders(List.of(), false, false, false, false, null);
  /** Every header the propagators read is hidden: a request answered with an error continues no trace. */
  static final TraceHeaders ALL_HIDDEN = new TraceHeaders(List.of(), true, true, true, true, null);

  TraceHeaders {
    invalid = List.copyOf(invalid);
  }

  /** Judges the request's headers; {@link #invalid()} lists the malformed ones (lower case) in a fixed order. */
  static TraceHeaders judge(RequestHead head) {
    List<String> invalid = List.of();
    List<String> traceparent = head.kept(RequestHead.TRACEPARENT);
    boolean badTraceparent = traceparent != null
        && (traceparent.size() != 1 || !RequestValidator.validTraceparent(traceparent.get(0)));
    if (badTraceparent) {
      invalid = new ArrayList<>(2);
      invalid.add(TRACEPARENT);
    }
    List<String> values = head.kept(RequestHead.XRAY);
    AwsTraceHeader xray = values != null && values.size() == 1 ? AwsTraceHeader.parse(values.get(0)) : null;
    boolean badXray = values != null && xray == null;
    if (badXray) {
      invalid = invalid.isEmpty() ? new ArrayList<>(1) : invalid;
      invalid.add(XRAY);
    }
    return new TraceHeaders(invalid, badTraceparent, badXray, false, true, xray);
  }

  /** Whether the propagators must not see header {@code name} (any letter case). */
  boolean hides(String name) {
    if (hidesAll) {
      return RequestHead.asciiEqualsIgnoreCase(name, TRACEPARENT) || RequestHead.asciiEqualsIgnoreCase(name, XRAY)
          || RequestHead.asciiEqualsIgnoreCase(name, TRACESTATE) || RequestHead.asciiEqualsIgnoreCase(name, BAGGAGE);
    }
    return hidesTraceparent && RequestHead.asciiEqualsIgnoreCase(name, TRACEPARENT)
        || hidesXray && RequestHead.asciiEqualsIgnoreCase(name, XRAY);
  }
}
