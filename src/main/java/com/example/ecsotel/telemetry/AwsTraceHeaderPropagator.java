package com.example.ecsotel.telemetry;

import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Objects;

/**
 * The contrib X-Ray propagator, plus deferred decisions ({@code Sampled=?}, or a Parent without Sampled):
 * the contrib one drops a {@code Sampled=?} header whole (a new trace, the caller's Root lost) and reads a
 * missing Sampled as "not sampled". This one lets the contrib extract the header with {@code Sampled=0}, so
 * everything else it does still holds (the upstream tracestate, Lineage into baggage, re-emitted on inject),
 * and marks the result "deferred", which {@link DeferredSamplingSampler} hands to the app's own sampler.
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
    boolean parsedOnce = carrier instanceof AwsTraceHeader.Parsed parsed && parsed.awsTraceHeaderParsed();
    AwsTraceHeader header = parsedOnce
        ? ((AwsTraceHeader.Parsed) carrier).awsTraceHeader()
        : AwsTraceHeader.parse(getter.get(carrier, AwsTraceHeader.NAME));
    if (parsedOnce && (header == null || header.extractsNothing())) {
      // Absent, malformed or hidden, or an ALB's Parent-less header: the contrib would return the context as it
      // is (1.60.0-alpha: an invalid span context is not set, an unchanged baggage only re-wrapped), so skip it.
      return context;
    }
    if (header == null || header.parentId() == null || !header.samplingDeferred()) {
      return xray.extract(context, carrier, getter);
    }
    TextMapGetter<C> decided =
        new TextMapGetter<>() {
          @Override
          public Iterable<String> keys(C c) {
            return getter.keys(c);
          }

          @Override
          public String get(C c, String key) {
            return AwsTraceHeader.NAME.equalsIgnoreCase(key) ? header.extractable() : getter.get(c, key);
          }
        };
    return xray.extract(context, carrier, decided).with(AwsTraceHeader.SAMPLING_DEFERRED, true);
  }

  @Override
  public String toString() {
    return "AwsTraceHeaderPropagator{" + xray + "}";
  }
}
