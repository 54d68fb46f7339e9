package com.example.standins;

import static java.util.Objects.requireNonNull;

import com.example.standins.sigv4.ReceivedRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/** One received HTTP request, body fully read, as the stand-ins' handlers see it. */
public record Request(
    String method, String rawPath, String rawQuery, Map<String, List<String>> headers, byte[] body) {

  public Request {
    requireNonNull(method, "method");
    requireNonNull(rawPath, "rawPath");
    requireNonNull(headers, "headers");
    rawQuery = rawQuery == null ? "" : rawQuery;
    body = body == null ? new byte[0] : body;
  }

  /** The view the SigV4 verifier needs. */
  public ReceivedRequest received() {
    return ReceivedRequest.of(method, rawPath, rawQuery, headers, body);
  }

  /** First value of a header, matched case-insensitively, or null. */
  public String header(String name) {
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
        return e.getValue().get(0);
      }
    }
    return null;
  }

  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }
}
