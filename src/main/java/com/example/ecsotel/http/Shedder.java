package com.example.ecsotel.http;

import com.sun.net.httpserver.HttpExchange;
import io.opentelemetry.context.Context;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;

/**
 * Over MAX_CONCURRENT_REQUESTS: 503 at once instead of queueing without bound. Still a SERVER span (if
 * sampled) and a point in http.server.request.duration (status 503, the route template), so the error-ratio
 * SLO and the dashboard see overload; nothing else (no handler, no log line, no spec metrics).
 */
final class Shedder {
  private final TraceHeaderJudge judge;
  private final ServerSpans spans;

  Shedder(TraceHeaderJudge judge, ServerSpans spans) {
    this.judge = Objects.requireNonNull(judge, "judge");
    this.spans = Objects.requireNonNull(spans, "spans");
  }

  void shed(RequestHead head, Router.Match match) throws IOException {
    HttpExchange exchange = head.exchange();
    Response response = Response.error(503, "overloaded", "too many concurrent requests", Map.of());
    // As for a 400 in Dispatcher: a request that fails validation has its trace headers read by no one (and is
    // still shed: 503, not the 4xx).
    TraceHeaders traceHeaders =
        head.problem() != null ? TraceHeaders.ALL_HIDDEN : judge.judge(head, match.template(), true);
    ServerRequest request = new ServerRequest(head, match.template(), traceHeaders);
    Context context = spans.start(request);
    if (context != null) {
      ServerSpans.withTraceId(response, context);
    }
    Throwable error = null;
    try {
      Dispatcher.write(exchange, response);
    } catch (IOException e) {
      error = e;
      throw e;
    } finally {
      spans.end(context, request, response.status(), error);
    }
  }
}
