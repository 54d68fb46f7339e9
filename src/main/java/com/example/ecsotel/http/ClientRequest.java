package com.example.ecsotel.http;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** A mutable carrier for an outgoing GET: propagators inject their headers before it is sent. */
final class ClientRequest {
  private final URI uri;
  private final Map<String, String> headers = new LinkedHashMap<>();

  ClientRequest(URI uri) {
    this.uri = Objects.requireNonNull(uri, "uri");
  }

  URI uri() {
    return uri;
  }

  Map<String, String> headers() {
    return headers;
  }
}
