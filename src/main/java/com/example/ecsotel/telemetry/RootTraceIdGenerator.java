package com.example.ecsotel.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.IdGenerator;
import java.util.Objects;

/**
 * X-Ray trace ids (epoch seconds in the first 8 hex digits), except for a root span started while the
 * current context carries an ALB's Root ({@link AwsTraceHeader#continueRoot}): that span keeps the ALB's
 * trace id. The SDK asks for a trace id only when the new span has no valid parent, and the server starts
 * its span with that context current and no span in it; anywhere else (a span inside a request) the
 * current context holds a span, so nothing else can pick the Root up.
 */
final class RootTraceIdGenerator implements IdGenerator {
  private final IdGenerator delegate;

  RootTraceIdGenerator(IdGenerator delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public String generateSpanId() {
    return delegate.generateSpanId();
  }

  @Override
  public String generateTraceId() {
    Context current = Context.current();
    String root = current.get(AwsTraceHeader.ROOT_TRACE_ID);
    if (root != null && !Span.fromContext(current).getSpanContext().isValid()) {
      return root;
    }
    return delegate.generateTraceId();
  }
}
