package com.example.ecsotel.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Objects;

/**
 * The contrib X-Ray propagator, plus {@code Sampled=?}: the contrib one drops such a header whole (a new
 * trace, the caller's Root lost); this one continues the caller's trace as an unsampled remote parent
 * marked "deferred", which {@link DeferredSamplingSampler} hands to the app's own sampler.
 */
final class AwsTraceHeaderPropagator implements TextMapPropagator {
  private final TextMapPropagator xray;

  AwsTraceHeaderPropagator(TextMapPropagator xray) {
    this.xray = Objects.requireNonNull(xray, "xray");
  }

  @Override
  public Collection<String> fields() {
    return xray.fields();
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    xray.inject(context, carrier, setter);
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    AwsTraceHeader header = AwsTraceHeader.parse(getter.get(carrier, AwsTraceHeader.NAME));
    if (header != null && header.parentId() != null && header.samplingDeferred()) {
      SpanContext parent =
          SpanContext.createFromRemoteParent(
              header.traceId(), header.parentId(), TraceFlags.getDefault(), TraceState.getDefault());
      return context.with(Span.wrap(parent)).with(AwsTraceHeader.SAMPLING_DEFERRED, true);
    }
    return xray.extract(context, carrier, getter);
  }

  @Override
  public String toString() {
    return "AwsTraceHeaderPropagator{" + xray + "}";
  }
}
