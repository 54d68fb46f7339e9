package com.example.ecsotel.http;

import com.sun.net.httpserver.HttpExchange;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request's line and headers, read once: one pass over the header map both checks the limits ({@link
 * RequestValidator}) and keeps the headers the app and its telemetry read (trace context, and those the HTTP
 * semantic-convention extractors of instrumentation-api 2.31.1 ask for). Later lookups of those are an array read:
 * {@code Headers.get} normalises (allocates) its key on every call, and these were about sixteen calls per request.
 */
final class RequestHead {
  /** The headers kept, lower case; the index is the slot. */
  private static final String[] KEPT = {"traceparent", "tracestate", "baggage", "x-amzn-trace-id", "host",
      "user-agent", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto"};
  static final int TRACEPARENT = 0;
  static final int XRAY = 3;

  private final HttpExchange exchange;
  private final String method;
  private final String rawPath;
  private final List<?>[] kept = new List<?>[KEPT.length];
  private ApiException problem;

  private RequestHead(HttpExchange exchange) {
    this.exchange = exchange;
    this.method = exchange.getRequestMethod();
    this.rawPath = exchange.getRequestURI().getRawPath();
  }

  /** Reads the request line and headers in one pass; {@link #problem()} says whether they are usable. */
  static RequestHead read(HttpExchange exchange) {
    RequestHead head = new RequestHead(Objects.requireNonNull(exchange, "exchange"));
    head.problem = RequestValidator.checkUri(exchange.getRequestURI());
    int count = 0;
    long total = 0;
    for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
      String name = header.getKey();
      int slot = slot(name);
      if (slot >= 0) {
        head.kept[slot] = header.getValue();
      }
      if (head.problem != null) {
        continue; // the first problem is the answer; keep reading for the trace-header judgement
      }
      for (String value : header.getValue()) {
        count++;
        total += name.length() + value.length();
        head.problem = RequestValidator.checkHeader(name, value);
        if (head.problem != null) {
          break;
        }
      }
    }
    if (head.problem == null) {
      head.problem = RequestValidator.checkTotals(count, total);
    }
    return head;
  }

  HttpExchange exchange() {
    return exchange;
  }

  String method() {
    return method;
  }

  /** The raw path; null when the request URI has none. */
  String rawPath() {
    return rawPath;
  }

  /** The first limit the request breaks (answered with its 4xx), or null. */
  ApiException problem() {
    return problem;
  }

  /** A kept header's values (null when absent), by slot. */
  @SuppressWarnings("unchecked")
  List<String> kept(int slot) {
    return (List<String>) kept[slot];
  }

  /** Values of header {@code name} (any case), null when absent: what {@code Headers.get} answers. */
  List<String> header(String name) {
    int slot = slot(name);
    return slot >= 0 ? kept(slot) : exchange.getRequestHeaders().get(name);
  }

  /** The slot of a kept header name in any letter case, or -1. */
  private static int slot(String name) {
    for (int i = 0; i < KEPT.length; i++) {
      if (asciiEqualsIgnoreCase(name, KEPT[i])) {
        return i;
      }
    }
    return -1;
  }

  /**
   * {@code name} equals {@code lower} (ASCII lower case) but for the case of ASCII letters: what {@code Headers}'
   * key normalisation folds (String.equalsIgnoreCase also folds other alphabets).
   */
  static boolean asciiEqualsIgnoreCase(String name, String lower) {
    if (name.length() != lower.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c != lower.charAt(i) && !(c >= 'A' && c <= 'Z' && c + ('a' - 'A') == lower.charAt(i))) {
        return false;
      }
    }
    return true;
  }
}
