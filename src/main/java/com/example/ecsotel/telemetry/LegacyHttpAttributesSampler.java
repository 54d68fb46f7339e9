package com.example.ecsotel.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;
import java.util.Objects;

/**
 * Lets X-Ray sampling rules that filter on HTTPMethod, URLPath or Host work with current HTTP
 * semantic conventions. The contrib X-Ray sampler served to us (1.43.0, the newest our mirror serves) matches
 * rules against the old attribute names only ({@code http.method}, {@code http.target}/{@code http.url},
 * {@code net.host.name}/{@code http.host}: SamplingRuleApplier.matches); this copies the current values under
 * those names for the sampling decision only; spans keep the new names. URLPath is matched against the path
 * without the query string and HTTPMethod against the method, as the X-Ray SDKs do; Host against {@code
 * server.address} (no port; Forwarded/X-Forwarded-Host first), as newer contrib samplers do, not the raw Host
 * header the X-Ray Java SDK uses.
 */
final class LegacyHttpAttributesSampler implements Sampler {
  private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
  private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
  private static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  private static final AttributeKey<String> LEGACY_METHOD = AttributeKey.stringKey("http.method");
  private static final AttributeKey<String> LEGACY_TARGET = AttributeKey.stringKey("http.target");
  private static final AttributeKey<String> LEGACY_HOST = AttributeKey.stringKey("net.host.name");

  private final Sampler delegate;

  LegacyHttpAttributesSampler(Sampler delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  @Override
  public SamplingResult shouldSample(
      Context parentContext,
      String traceId,
      String name,
      SpanKind spanKind,
      Attributes attributes,
      List<LinkData> parentLinks) {
    return delegate.shouldSample(parentContext, traceId, name, spanKind, withLegacy(attributes), parentLinks);
  }

  /** The legacy names the rules match on, added in one unsorted copy (LegacyNamedAttributes). */
  static Attributes withLegacy(Attributes attributes) {
    String method = attributes.get(METHOD);
    String path = attributes.get(PATH);
    if (method == null && path == null) {
      return attributes;
    }
    String host = attributes.get(SERVER_ADDRESS);
    return LegacyNamedAttributes.of(attributes,
        LEGACY_METHOD, method != null && attributes.get(LEGACY_METHOD) == null ? method : null,
        // without url.query: a rule for /health matches /health?probe=1
        LEGACY_TARGET, path != null && attributes.get(LEGACY_TARGET) == null ? path : null,
        LEGACY_HOST, host != null && attributes.get(LEGACY_HOST) == null ? host : null);
  }

  @Override
  public String getDescription() {
    return delegate.getDescription();
  }

  @Override
  public String toString() {
    return getDescription();
  }
}
