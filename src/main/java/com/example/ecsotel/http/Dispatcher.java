package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.SampleAppMetrics;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Entry point for every exchange: bounds concurrency (health probes exempt), validates, routes, wraps the
 * handler in a SERVER span, writes the JSON body, records metrics and writes one request log line.
 */
final class Dispatcher implements HttpHandler {
  private static final Logger logger = LoggerFactory.getLogger("request");

  private final Router router;
  private final ServerSpans spans;
  private final SampleAppMetrics metrics;
  private final Semaphore permits;
  private final TraceHeaderJudge judge;
  private final Shedder shedder;
  private final AccessLog accessLog;

  Dispatcher(
      Router router,
      Instrumenter<ServerRequest, Integer> instrumenter,
      TextMapPropagator propagator,
      SampleAppMetrics metrics,
      int maxConcurrentRequests,
      TraceHeaderJudge judge,
      AccessLog accessLog) {
    this.router = Objects.requireNonNull(router, "router");
    this.spans = new ServerSpans(instrumenter, propagator);
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.permits = new Semaphore(maxConcurrentRequests);
    this.judge = Objects.requireNonNull(judge, "judge");
    this.shedder = new Shedder(judge, spans);
    this.accessLog = Objects.requireNonNull(accessLog, "accessLog");
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      // One pass over the request: its line and headers are read, checked and kept here, then only looked up.
      RequestHead head = RequestHead.read(exchange);
      Router.Match match = router.match(head.method(), head.rawPath() == null ? "/" : head.rawPath());
      if (isHealthProbe(match)) {
        // Never shed: a 503 health probe under load makes ECS (or the ALB) replace a task that is merely busy.
        dispatch(head, match);
        return;
      }
      if (!permits.tryAcquire()) {
        shedder.shed(head, match);
        return;
      }
      try {
        dispatch(head, match);
      } finally {
        permits.release();
      }
    }
  }

  private static boolean isHealthProbe(Router.Match match) {
    return match.found() && !match.route().traced();
  }

  private void dispatch(RequestHead head, Router.Match match) throws IOException {
    long startNanos = System.nanoTime();
    HttpExchange exchange = head.exchange();
    String method = head.method();
    String path = head.rawPath();
    ApiException rejected = head.problem();
    if (rejected == null && isHealthProbe(match)) {
      // Health probes: no span, no metrics, no log line.
      Response response;
      try {
        response = invoke(match, exchange);
      } catch (Exception e) {
        response = Response.error(500, "internal_error", "internal error", Map.of());
      }
      write(exchange, response);
      return;
    }
    // A malformed trace header never fails the request by default (W3C: ignore it); only its own format is
    // ignored. REJECT_INVALID_TRACE_HEADERS=true answers 400 instead.
    TraceHeaders traceHeaders = judge.judge(head, match.template(), false);
    if (rejected == null && judge.rejectsInvalid() && !traceHeaders.invalid().isEmpty()) {
      rejected = RequestValidator.traceHeaderError(traceHeaders.invalid().get(0));
    }
    // A request answered with an error before routing continues no trace: a new root span.
    ServerRequest request =
        new ServerRequest(head, match.template(), rejected != null ? TraceHeaders.ALL_HIDDEN : traceHeaders);
    Context started = spans.start(request);
    Context context = started != null ? started : spans.propagatedOnly(request);
    Response response;
    Throwable error = null;
    try (Scope ignored = context.makeCurrent()) {
      response = rejected != null ? toResponse(rejected) : route(match, exchange);
    } catch (ApiException e) {
      response = toResponse(e);
    } catch (Exception e) {
      error = e;
      logger.error("unhandled error in {} {}", method, match.template(), e);
      response = Response.error(500, "internal_error", "internal error", Map.of());
    }
    // Only our own span is named; a context that was only propagated (SDK disabled) is not ours to name.
    String xrayTraceId = started == null ? null : ServerSpans.withTraceId(response, started);
    long bytes = 0;
    try {
      bytes = write(exchange, response);
    } catch (IOException e) {
      error = error == null ? e : error; // client went away; still end the span and count it
    } finally {
      spans.end(started, request, response.status(), error);
      double millis = (System.nanoTime() - startNanos) / 1_000_000.0;
      String api = match.template() != null ? match.template() : SampleAppMetrics.UNMATCHED_ROUTE;
      metrics.recordRequest(api, bytes, millis);
      accessLog.log(truncate(method, 16), truncate(path, 200), api, response.status(), Math.round(millis), bytes,
          xrayTraceId, xrayTraceId == null ? null : Span.fromContext(started).getSpanContext().getSpanId());
    }
  }

  private static Response route(Router.Match match, HttpExchange exchange) throws Exception {
    if (match.found()) {
      return invoke(match, exchange);
    }
    if (match.template() != null) {
      String allow = String.join(", ", match.allowedMethods());
      throw new ApiException(405, "method_not_allowed", "use " + allow + " for " + match.template(), Map.of("Allow", allow));
    }
    throw new ApiException(404, "not_found", "no such route");
  }

  private static Response invoke(Router.Match match, HttpExchange exchange) throws Exception {
    Router.Route route = match.route();
    // Handlers never see the raw path, only the template and its parameters.
    return route
        .handler()
        .handle(new Request(route.method(), route.template(), match.params(), exchange.getRequestHeaders()));
  }

  private static Response toResponse(ApiException e) {
    return Response.error(e.status(), e.code(), e.getMessage(), e.headers());
  }

  static long write(HttpExchange exchange, Response response) throws IOException {
    byte[] bytes = Json.write(response.body()).getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    response.headers().forEach(exchange.getResponseHeaders()::set);
    exchange.sendResponseHeaders(response.status(), bytes.length);
    // Flush but do not close: the exchange closes in handle(), after the span has ended and the
    // log line is written, so a graceful stop (which waits for open exchanges) covers both.
    OutputStream out = exchange.getResponseBody();
    out.write(bytes);
    out.flush();
    return bytes.length;
  }

  /** Bounds what a client controls in the line (and so the access log's queue in bytes, not only in lines). */
  private static String truncate(String text, int max) {
    if (text == null) {
      return "-";
    }
    return text.length() > max ? text.substring(0, max) + "…" : text;
  }
}
