package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.AwsTraceHeader;
import java.net.URI;

/**
 * Rejects hostile or broken requests before they reach a handler, each with its own 4xx. Limits are
 * far above what a real client sends and far below what could hurt the process.
 */
final class RequestValidator {
  static final int MAX_URI_LENGTH = 2048;
  static final int MAX_HEADER_COUNT = 64;
  static final int MAX_HEADER_VALUE_LENGTH = 8192;
  static final int MAX_TOTAL_HEADER_BYTES = 16 * 1024;

  private RequestValidator() {}

  /** The request URI's problem (414), or null; checked before the headers ({@link RequestHead#read}). */
  static ApiException checkUri(URI uri) {
    if (uri.toString().length() > MAX_URI_LENGTH) {
      return new ApiException(414, "uri_too_long", "request URI exceeds " + MAX_URI_LENGTH + " characters");
    }
    return null;
  }

  /** One header value's problem (431 too large, 400 control characters), or null. */
  static ApiException checkHeader(String name, String value) {
    if (value.length() > MAX_HEADER_VALUE_LENGTH) {
      return new ApiException(431, "header_too_large", "header " + safe(name) + " is too large");
    }
    if (hasControlCharacters(value)) {
      return new ApiException(400, "invalid_header", "header " + safe(name) + " contains control characters");
    }
    return null;
  }

  /** The whole header block's problem (431), or null. */
  static ApiException checkTotals(int count, long total) {
    if (count > MAX_HEADER_COUNT || total > MAX_TOTAL_HEADER_BYTES) {
      return new ApiException(431, "headers_too_large", "request headers exceed " + MAX_HEADER_COUNT
          + " fields or " + MAX_TOTAL_HEADER_BYTES + " bytes");
    }
    return null;
  }

  /** The 400 answered for a malformed trace header when REJECT_INVALID_TRACE_HEADERS=true. */
  static ApiException traceHeaderError(String header) {
    return new ApiException(400, "invalid_trace_header", header.equals("traceparent")
        ? "traceparent header is not a valid W3C trace context"
        : "X-Amzn-Trace-Id header is not a valid X-Ray trace header");
  }

  /**
   * A W3C traceparent the tracecontext propagator continues: {@code vv-<32 hex>-<16 hex>-ff}, lower-case hex,
   * version not ff, ids not all zero, version 00 with exactly four fields; a later version may append
   * {@code -anything} (not a line break). Written out rather than a regex: a Matcher and its groups were the
   * allocations of every request with a traceparent (TraceparentCheckTest holds the regex it replaces).
   */
  static boolean validTraceparent(String value) {
    String v = value.trim();
    if (v.length() < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-'
        || !hex(v, 0, 2) || !hex(v, 3, 35) || !hex(v, 36, 52) || !hex(v, 53, 55)) {
      return false;
    }
    if (v.length() > 55) {
      if (v.charAt(55) != '-' || v.startsWith("00")) {
        return false; // version 00 has exactly four fields
      }
      for (int i = 56; i < v.length(); i++) {
        char c = v.charAt(i);
        if (c == '\n' || c == '\r' || c == '\u0085' || c == '\u2028' || c == '\u2029') {
          return false; // what the regex's '.' does not match
        }
      }
    }
    return !v.startsWith("ff") && !zeros(v, 3, 35) && !zeros(v, 36, 52);
  }

  private static boolean hex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
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
