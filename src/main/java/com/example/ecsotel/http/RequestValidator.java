package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.AwsTraceHeader;
import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Rejects hostile or broken requests before they reach a handler, each with its own 4xx. Limits are
 * far above what a real client sends and far below what could hurt the process.
 */
final class RequestValidator {
  static final int MAX_URI_LENGTH = 2048;
  static final int MAX_HEADER_COUNT = 64;
  static final int MAX_HEADER_VALUE_LENGTH = 8192;
  static final int MAX_TOTAL_HEADER_BYTES = 16 * 1024;

  private static final Pattern TRACEPARENT =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");

  private RequestValidator() {}

  /** Problems that make the request unusable: reported before routing. */
  static void checkRequest(URI uri, Headers headers) {
    if (uri.toString().length() > MAX_URI_LENGTH) {
      throw new ApiException(414, "uri_too_long", "request URI exceeds " + MAX_URI_LENGTH + " characters");
    }
    int count = 0;
    long total = 0;
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      for (String value : header.getValue()) {
        count++;
        total += header.getKey().length() + value.length();
        if (value.length() > MAX_HEADER_VALUE_LENGTH) {
          throw new ApiException(431, "header_too_large", "header " + safe(header.getKey()) + " is too large");
        }
        if (hasControlCharacters(value)) {
          throw new ApiException(400, "invalid_header", "header " + safe(header.getKey()) + " contains control characters");
        }
      }
    }
    if (count > MAX_HEADER_COUNT || total > MAX_TOTAL_HEADER_BYTES) {
      throw new ApiException(431, "headers_too_large", "request headers exceed " + MAX_HEADER_COUNT
          + " fields or " + MAX_TOTAL_HEADER_BYTES + " bytes");
    }
  }

  /** The 400 answered for a malformed trace header when REJECT_INVALID_TRACE_HEADERS=true. */
  static ApiException traceHeaderError(String header) {
    return new ApiException(400, "invalid_trace_header", header.equals("traceparent")
        ? "traceparent header is not a valid W3C trace context"
        : "X-Amzn-Trace-Id header is not a valid X-Ray trace header");
  }

  static boolean validTraceparent(String value) {
    var m = TRACEPARENT.matcher(value.trim());
    if (!m.matches() || m.group(1).equals("ff")) {
      return false;
    }
    if (m.group(1).equals("00") && m.group(5) != null) {
      return false; // version 00 has exactly four fields
    }
    return !m.group(2).chars().allMatch(c -> c == '0') && !m.group(3).chars().allMatch(c -> c == '0');
  }

  static boolean validXrayHeader(String value) {
    return AwsTraceHeader.parse(value) != null; // Self=, Lineage= and other AWS fields are allowed
  }

  private static boolean hasControlCharacters(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return true;
      }
    }
    return false;
  }

  private static String safe(String name) {
    String trimmed = name.length() > 64 ? name.substring(0, 64) : name;
    return trimmed.replaceAll("[^A-Za-z0-9-]", "?");
  }
}
