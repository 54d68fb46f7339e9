package com.example.ecsotel.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A JSON object response; the dispatcher adds the X-Ray {@code traceId} field when traced. */
public record Response(int status, Map<String, Object> body, Map<String, String> headers) {
  public Response {
    body = new LinkedHashMap<>(Objects.requireNonNull(body, "body"));
    headers = Map.copyOf(headers);
  }

  public static Response ok(Map<String, Object> body) {
    return new Response(200, body, Map.of());
  }

  public static Response of(int status, Map<String, Object> body) {
    return new Response(status, body, Map.of());
  }

  static Response error(int status, String code, String message, Map<String, String> headers) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", code);
    body.put("message", message);
    body.put("status", status);
    return new Response(status, body, headers);
  }
}
