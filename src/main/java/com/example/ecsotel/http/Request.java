package com.example.ecsotel.http;

import com.sun.net.httpserver.Headers;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/** What a handler may see of a request: method, route template, path parameters and headers. */
public record Request(String method, String route, Map<String, String> pathParams, Headers headers) {
  public Request {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(route, "route");
    pathParams = Map.copyOf(pathParams);
    Objects.requireNonNull(headers, "headers");
  }

  public String pathParam(String name) {
    String value = pathParams.get(name);
    if (value == null) {
      throw new IllegalArgumentException("route " + route + " has no parameter " + name);
    }
    return value;
  }

  public Optional<String> header(String name) {
    return Optional.ofNullable(headers.getFirst(name));
  }
}
