package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The X-Ray propagator given a carrier whose X-Amzn-Trace-Id was parsed once per request (issue 20, item 4:
 * reused, and for an ALB's Parent-less header the contrib extraction skipped) extracts exactly what it extracts
 * when it parses the header itself: same span context, trace state, baggage and deferral, for the header forms
 * AWS sends, broken ones and none, over contexts with and without an upstream W3C parent and baggage.
 */
class ParsedOnceExtractionTest {
  private static final String ROOT = "1-5759e988-bd862e3fe1be46a994272793";

  /** A carrier that is the header value (null: absent), and that may carry its parse. */
  private record Carrier(String value, boolean parsedOnce) implements AwsTraceHeader.Parsed {
    @Override
    public boolean awsTraceHeaderParsed() {
      return parsedOnce;
    }

    @Override
    public AwsTraceHeader awsTraceHeader() {
      return AwsTraceHeader.parse(value);
    }
  }

  private static final TextMapGetter<Carrier> GETTER = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Carrier carrier) {
      return List.of(AwsTraceHeader.NAME);
    }

    @Override
    public String get(Carrier carrier, String key) {
      return AwsTraceHeader.NAME.equalsIgnoreCase(key) ? carrier.value() : null;
    }
  };

  @Test
  void extractsWhatTheContribPathExtracts() {
    List<String> headers = new ArrayList<>(Arrays.asList(null, "", "garbage", "Root=" + ROOT,
        "Self=1-67891234-12456789abcdef012345678;Root=" + ROOT, "Root=" + ROOT + ";Lineage=10:1234abcd:3",
        "Root=" + ROOT + ";Lineage=not-valid", "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Sampled=1",
        "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Sampled=0", "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Sampled=?",
        "Root=" + ROOT + ";Parent=53995c3f42cd8ad8", "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Lineage=10:1234abcd:3",
        "Root=" + ROOT + ";Sampled=1", "Root=" + ROOT + ";Sampled=x", "Root=1-00000000-000000000000000000000000"));
    SpanContext w3c = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        TraceFlags.getSampled(), TraceState.builder().put("vendor", "v1").build());
    List<Context> upstreams = List.of(Context.root(), Context.root().with(Span.wrap(w3c)),
        Context.root().with(Baggage.builder().put("tenant", "t1").build()));
    AwsTraceHeaderPropagator propagator = new AwsTraceHeaderPropagator(AwsXrayPropagator.getInstance());
    for (String header : headers) {
      for (Context upstream : upstreams) {
        Context parsedOnce = propagator.extract(upstream, new Carrier(header, true), GETTER);
        Context parsedHere = propagator.extract(upstream, new Carrier(header, false), GETTER);

        SpanContext once = Span.fromContext(parsedOnce).getSpanContext();
        SpanContext here = Span.fromContext(parsedHere).getSpanContext();
        assertThat(once).as(header).isEqualTo(here);
        assertThat(once.getTraceState().asMap()).as(header).isEqualTo(here.getTraceState().asMap());
        assertThat(Baggage.fromContext(parsedOnce).asMap()).as(header).isEqualTo(Baggage.fromContext(parsedHere).asMap());
        assertThat(AwsTraceHeader.deferred(parsedOnce)).as(header).isEqualTo(AwsTraceHeader.deferred(parsedHere));
      }
    }
  }
}
