package com.example.standins.sigv4;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A request exactly as it arrived: the raw (still percent-encoded) path and query, every header value in arrival
 * order, and the body bytes. The verifier rebuilds the canonical request only from this.
 */
public final class ReceivedRequest {
  private final String method;
  private final String rawPath;
  private final String rawQuery;
  private final Map<String, List<String>> headers;
  private final byte[] body;

  private ReceivedRequest(
      String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    this.method = method;
    this.rawPath = rawPath;
    this.rawQuery = rawQuery;
    this.headers = headers;
    this.body = body;
  }

  /** Header names are matched case-insensitively, as HTTP requires; values keep their order. */
  public static ReceivedRequest of(
      String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {
    requireNonNull(method, "method");
    requireNonNull(rawPath, "rawPath");
    requireNonNull(headers, "headers");
    Map<String, List<String>> lower = new TreeMap<>();
    headers.forEach(
        (name, values) ->
            lower.computeIfAbsent(name.toLowerCase(Locale.ROOT), k -> new ArrayList<>()).addAll(values));
    lower.replaceAll((k, v) -> Collections.unmodifiableList(v));
    return new ReceivedRequest(
        method,
        rawPath.isEmpty() ? "/" : rawPath,
        rawQuery == null ? "" : rawQuery,
        Collections.unmodifiableMap(lower),
        body == null ? new byte[0] : body.clone());
  }

  public String method() {
    return method;
  }

  public String rawPath() {
    return rawPath;
  }

  public String rawQuery() {
    return rawQuery;
  }

  /** All values of a header (lower-case name), empty if absent. */
  public List<String> headerValues(String lowerCaseName) {
    return headers.getOrDefault(lowerCaseName, List.of());
  }

  /** The first value of a header (lower-case name), or null. */
  public String header(String lowerCaseName) {
    List<String> values = headerValues(lowerCaseName);
    return values.isEmpty() ? null : values.get(0);
  }

  public byte[] body() {
    return body.clone();
  }

  byte[] bodyUnsafe() {
    return body;
  }
}
