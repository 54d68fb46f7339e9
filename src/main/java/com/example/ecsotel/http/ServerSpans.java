package com.example.ecsotel.http;

import com.example.ecsotel.telemetry.AwsTraceHeader;
import com.example.ecsotel.telemetry.XrayIds;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import java.util.Objects;

/** Starts and ends the SERVER span of an exchange, and names its trace in the response body. */
final class ServerSpans {
  private final Instrumenter<ServerRequest, Integer> instrumenter;
  private final TextMapPropagator propagator;

  /**
   * {@code propagator}: what {@link #propagatedOnly} extracts with when the instrumenter declines, i.e. the
   * configured propagators under OTEL_SDK_DISABLED=true, the no-op one with no SDK at all ({@code none}).
   */
  ServerSpans(Instrumenter<ServerRequest, Integer> instrumenter, TextMapPropagator propagator) {
    this.instrumenter = Objects.requireNonNull(instrumenter, "instrumenter");
    this.propagator = Objects.requireNonNull(propagator, "propagator");
  }

  /**
   * No span of ours, but the caller's trace context (for outgoing calls): OTEL_SDK_DISABLED "has no effect on
   * propagators configured through OTEL_PROPAGATORS" (spec), so a service with telemetry off does not break the
   * trace of the services behind it. Only the propagators' own header reads, no attributes.
   */
  Context propagatedOnly(ServerRequest request) {
    return propagator.extract(Context.root(), request, ServerAttributesGetter.INSTANCE);
  }

  /** Starts the SERVER span, or returns null when the instrumenter declines. */
  Context start(ServerRequest request) {
    Context parent = Context.root();
    if (!instrumenter.shouldStart(parent, request)) {
      return null;
    }
    // An ALB's Root without Parent: the server span keeps that trace id (AwsTraceHeader).
    Context start = request.traceHeaders().hides(TraceHeaders.XRAY) ? parent
        : AwsTraceHeader.continueRootOf(parent, request.traceHeaders().xray()); // parsed once, when judged
    try (Scope ignored = start.makeCurrent()) {
      return instrumenter.start(start, request);
    }
  }

  /** Ends a span {@link #start} returned; a null context (no span) is ignored. */
  void end(Context context, ServerRequest request, int status, Throwable error) {
    if (context != null) {
      instrumenter.end(context, request, status, error);
    }
  }

  /**
   * Every traced response, errors included, names its trace in X-Ray form; returns that id (rendered once: the
   * access log reuses it), or null when there is no span.
   */
  static String withTraceId(Response response, Context context) {
    SpanContext spanContext = Span.fromContext(context).getSpanContext();
    if (!spanContext.isValid()) {
      return null;
    }
    String xrayTraceId = XrayIds.traceId(spanContext);
    response.body().put("traceId", xrayTraceId);
    return xrayTraceId;
  }
}
