package com.example.ecsotel.http;

import com.sun.net.httpserver.HttpExchange;
import java.util.Objects;

/**
 * The instrumenter's view of an incoming exchange: the exchange, the matched route template (null
 * when nothing matched) and which trace headers the propagators must not see ({@link TraceHeaders}).
 */
record ServerRequest(HttpExchange exchange, String route, TraceHeaders traceHeaders) {
  ServerRequest {
    Objects.requireNonNull(exchange, "exchange");
    Objects.requireNonNull(traceHeaders, "traceHeaders");
  }
}
