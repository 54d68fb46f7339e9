package com.example.ecsotel.telemetry;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Objects;

/**
 * Parent-based sampling, except that a remote parent whose X-Ray header deferred the decision ({@code
 * Sampled=?}, or no Sampled at all, as the X-Ray SDKs read it) gets the root sampler's decision (the X-Ray
 * rules) instead of "not sampled": the caller deferred it to us.
 *
 * <p>The root sampler is asked as if there were no parent: the contrib {@code AwsXrayRemoteSampler} (1.43.0)
 * is itself parent-based (its rules sampler and its fallback sit inside {@code Sampler.parentBased}), so
 * handing it the deferred, unsampled remote parent would always answer "drop". The span still gets the
 * caller's trace id and parent: the SDK takes those from the real parent context, not from the sampler.
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
    if (AwsTraceHeader.deferred(parentContext)) {
      Context noParent = parentContext.with(Span.getInvalid());
      return root.shouldSample(noParent, traceId, name, spanKind, attributes, parentLinks);
    }
    return parentBased.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
  }

  @Override
  public String getDescription() {
    return "DeferredSamplingSampler{" + parentBased.getDescription() + "}";
  }
}
