package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.contrib.awsxray.AwsXrayIdGenerator;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AwsTraceHeaderTest {
  private static final String ROOT = "1-5759e988-bd862e3fe1be46a994272793";
  private static final String ROOT_HEX = "5759e988bd862e3fe1be46a994272793";
  private static final TextMapGetter<Map<String, String>> GETTER =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
          return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
          return carrier == null ? null : carrier.get(key);
        }
      };

  @Test
  void parsesTheFieldsAwsSendsAndIgnoresSelfAndLineage() {
    AwsTraceHeader header =
        AwsTraceHeader.parse("Self=1-67891234-12456789abcdef012345678;Root=" + ROOT
            + ";Parent=53995c3f42cd8ad8;Sampled=?;Lineage=a87bd80c:1|68fd508a:5");
    assertThat(header.traceId()).isEqualTo(ROOT_HEX);
    assertThat(header.parentId()).isEqualTo("53995c3f42cd8ad8");
    assertThat(header.samplingDeferred()).isTrue();
    assertThat(AwsTraceHeader.parse("Root=1-5759e988;Parent=53995c3f42cd8ad8")).isNull();
    assertThat(AwsTraceHeader.parse("Root=" + ROOT + ";Parent=xyz")).isNull();
    assertThat(AwsTraceHeader.parse("Parent=53995c3f42cd8ad8")).isNull();
  }

  @Test
  void continueRootOnlyWhenTheHeaderHasNoParent() {
    assertThat(AwsTraceHeader.continueRoot(Context.root(), "Root=" + ROOT).get(AwsTraceHeader.ROOT_TRACE_ID))
        .isEqualTo(ROOT_HEX);
    assertThat(AwsTraceHeader.continueRoot(Context.root(), "Root=" + ROOT + ";Parent=53995c3f42cd8ad8"))
        .isSameAs(Context.root());
    assertThat(AwsTraceHeader.continueRoot(Context.root(), null)).isSameAs(Context.root());
  }

  @Test
  void idGeneratorUsesTheRootOnlyForASpanWithoutParent() {
    RootTraceIdGenerator ids = new RootTraceIdGenerator(AwsXrayIdGenerator.getInstance());
    Context withRoot = AwsTraceHeader.continueRoot(Context.root(), "Root=" + ROOT);
    try (Scope ignored = withRoot.makeCurrent()) {
      assertThat(ids.generateTraceId()).isEqualTo(ROOT_HEX);
    }
    SpanContext server = SpanContext.create(ROOT_HEX, "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault());
    try (Scope ignored = withRoot.with(Span.wrap(server)).makeCurrent()) {
      assertThat(ids.generateTraceId()).isNotEqualTo(ROOT_HEX); // a new root inside a request: fresh id
    }
    assertThat(ids.generateTraceId()).isNotEqualTo(ROOT_HEX);
  }

  @Test
  void deferredSamplingGoesToTheRootSamplerAndOtherwiseFollowsTheParent() {
    AwsTraceHeaderPropagator propagator = new AwsTraceHeaderPropagator(AwsXrayPropagator.getInstance());
    Sampler sampler = new DeferredSamplingSampler(Sampler.parentBased(Sampler.alwaysOn()), Sampler.alwaysOn());

    Context deferred = propagator.extract(Context.root(),
        Map.of("X-Amzn-Trace-Id", "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Sampled=?"), GETTER);
    assertThat(Span.fromContext(deferred).getSpanContext().getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(decision(sampler, deferred)).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);

    Context notSampled = propagator.extract(Context.root(),
        Map.of("X-Amzn-Trace-Id", "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Sampled=0"), GETTER);
    assertThat(Span.fromContext(notSampled).getSpanContext().isValid()).isTrue();
    assertThat(decision(sampler, notSampled)).isEqualTo(SamplingDecision.DROP);
  }

  @Test
  void aDeferredHeaderKeepsTheUpstreamTraceStateAndLineageAsTheContribDoes() {
    // What tracecontext (first in OTEL_PROPAGATORS) extracted before us: a W3C parent with a tracestate.
    SpanContext w3c = SpanContext.createFromRemoteParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7",
        TraceFlags.getSampled(), TraceState.builder().put("vendor", "v1").build());
    Context upstream = Context.root().with(Span.wrap(w3c)).with(Baggage.builder().put("tenant", "t1").build());
    AwsTraceHeaderPropagator propagator = new AwsTraceHeaderPropagator(AwsXrayPropagator.getInstance());

    Context deferred = propagator.extract(upstream, Map.of("X-Amzn-Trace-Id",
        "Root=" + ROOT + ";Parent=53995c3f42cd8ad8;Sampled=?;Lineage=10:1234abcd:3"), GETTER);

    SpanContext parent = Span.fromContext(deferred).getSpanContext();
    assertThat(parent.getTraceId()).isEqualTo(ROOT_HEX);
    assertThat(parent.getSpanId()).isEqualTo("53995c3f42cd8ad8");
    assertThat(parent.getTraceState().get("vendor")).isEqualTo("v1");
    assertThat(Baggage.fromContext(deferred).getEntryValue("Lineage")).isEqualTo("10:1234abcd:3");
    assertThat(Baggage.fromContext(deferred).getEntryValue("tenant")).isEqualTo("t1");
    assertThat(AwsTraceHeader.deferred(deferred)).isTrue();
    // ... and the Lineage goes on with the next hop, as the contrib re-emits it on inject.
    Map<String, String> outgoing = new java.util.HashMap<>();
    propagator.inject(deferred, outgoing, Map::put);
    assertThat(outgoing.get("X-Amzn-Trace-Id")).contains("Lineage=10:1234abcd:3");
  }

  private static SamplingDecision decision(Sampler sampler, Context parent) {
    return sampler.shouldSample(parent, ROOT_HEX, "GET /", SpanKind.SERVER, Attributes.empty(), List.of())
        .getDecision();
  }
}
