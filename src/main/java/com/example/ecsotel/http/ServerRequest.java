package com.example.ecsotel.http;

import com.sun.net.httpserver.HttpExchange;
import java.util.Objects;

/**
 * The instrumenter's view of an incoming exchange: the exchange, the matched route template (null
 * when nothing matched) and whether trace headers must be ignored because they failed validation.
 */
record ServerRequest(HttpExchange exchange, String route, boolean ignoreTraceHeaders) {
  ServerRequest {
    Objects.requireNonNull(exchange, "exchange");
  }
}
