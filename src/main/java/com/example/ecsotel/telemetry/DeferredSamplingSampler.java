package com.example.ecsotel.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Objects;

/**
 * Parent-based sampling, except that a remote parent whose X-Ray header said {@code Sampled=?} gets the
 * root sampler's decision (the X-Ray rules) instead of "not sampled": the caller deferred it to us.
 */
final class DeferredSamplingSampler implements Sampler {
  private final Sampler parentBased;
  private final Sampler root;

  DeferredSamplingSampler(Sampler parentBased, Sampler root) {
    this.parentBased = Objects.requireNonNull(parentBased, "parentBased");
    this.root = Objects.requireNonNull(root, "root");
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    Sampler sampler = AwsTraceHeader.deferred(parentContext) ? root : parentBased;
    return sampler.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
  }

  @Override
  public String getDescription() {
    return "DeferredSamplingSampler{" + parentBased.getDescription() + "}";
  }
}
