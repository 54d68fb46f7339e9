package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.AwsTraceHeader;
import com.sun.net.httpserver.HttpExchange;
import java.util.Objects;

/**
 * The instrumenter's view of an incoming exchange: its head (read once), the matched route template (null
 * when nothing matched) and which trace headers the propagators must not see ({@link TraceHeaders}), with the
 * X-Amzn-Trace-Id parse the X-Ray propagator reuses.
 */
record ServerRequest(RequestHead head, String route, TraceHeaders traceHeaders) implements AwsTraceHeader.Parsed {
  ServerRequest {
    Objects.requireNonNull(head, "head");
    Objects.requireNonNull(traceHeaders, "traceHeaders");
  }

  HttpExchange exchange() {
    return head.exchange();
  }

  @Override
  public boolean awsTraceHeaderParsed() {
    return traceHeaders.judged();
  }

  @Override
  public AwsTraceHeader awsTraceHeader() {
    return traceHeaders.xray();
  }
}
