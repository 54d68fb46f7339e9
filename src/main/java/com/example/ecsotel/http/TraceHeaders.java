package com.example.ecsotel.http;

import com.sun.net.httpserver.Headers;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which incoming trace-context headers the propagators may read, each format judged on its own: a
 * malformed {@code traceparent} hides only itself (the W3C propagator then never reads {@code tracestate}:
 * it means nothing without its traceparent); a malformed {@code X-Amzn-Trace-Id} hides only itself; {@code baggage}
 * is never hidden (the baggage propagator drops bad entries by itself). So a client's broken traceparent
 * never costs the ALB's Root, and the other way round.
 */
record TraceHeaders(List<String> invalid, Set<String> hidden) {
  static final String TRACEPARENT = "traceparent";
  static final String TRACESTATE = "tracestate";
  static final String XRAY = "x-amzn-trace-id";
  /** Every header the propagators read: all of them are hidden from a request answered with an error. */
  static final Set<String> ALL = Set.of(TRACEPARENT, TRACESTATE, XRAY, "baggage");

  static final TraceHeaders NONE_HIDDEN = new TraceHeaders(List.of(), Set.of());
  static final TraceHeaders ALL_HIDDEN = new TraceHeaders(List.of(), ALL);

  TraceHeaders {
    invalid = List.copyOf(invalid);
    hidden = Set.copyOf(hidden);
  }

  /** Judges the request's headers; {@link #invalid()} lists the malformed ones (lower case) in a fixed order. */
  static TraceHeaders judge(Headers headers) {
    List<String> invalid = new ArrayList<>(2);
    Set<String> hidden = new HashSet<>(4);
    List<String> traceparent = headers.get(TRACEPARENT);
    if (traceparent != null && (traceparent.size() != 1 || !RequestValidator.validTraceparent(traceparent.get(0)))) {
      invalid.add(TRACEPARENT);
      hidden.add(TRACEPARENT);
    }
    List<String> xray = headers.get(XRAY);
    if (xray != null && (xray.size() != 1 || !RequestValidator.validXrayHeader(xray.get(0)))) {
      invalid.add(XRAY);
      hidden.add(XRAY);
    }
    return invalid.isEmpty() ? NONE_HIDDEN : new TraceHeaders(invalid, hidden);
  }

  boolean hides(String lowerCaseName) {
    return hidden.contains(lowerCaseName);
  }
}
