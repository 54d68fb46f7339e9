package com.example.ecsotel.telemetry;

import com.example.ecsotel.config.TelemetryConfig;
import io.opentelemetry.contrib.awsxray.AwsXrayRemoteSampler;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigProperties;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.util.List;

/** The default sampler: X-Ray sampling rules, polled through the sidecar. */
final class XraySampling {
  private XraySampling() {}

  /**
   * The sampler the app uses unless OTEL_TRACES_SAMPLER is set: the contrib X-Ray remote sampler (rules polled
   * from XRAY_SAMPLING_ENDPOINT), parent-based, with deferred decisions going to the rules; closed with the SDK.
   */
  static Sampler defaultSampler(Sampler configured, ConfigProperties props, Resource resource, TelemetryConfig config,
      List<AutoCloseable> closeables) {
    if (props.getString("otel.traces.sampler") != null) {
      return configured; // the user chose a sampler explicitly: honour it as the spec says
    }
    // Until the first successful poll (or when the sidecar is absent) the contrib sampler uses its
    // built-in fallback, X-Ray's default rule: 1 request/s, then 5 % of the rest.
    AwsXrayRemoteSampler remote =
        AwsXrayRemoteSampler.newBuilder(resource)
            .setEndpoint(config.xraySamplingEndpoint().toString())
            .setPollingInterval(config.xraySamplingPollInterval())
            .build();
    closeables.add(remote);
    Sampler root = new LegacyHttpAttributesSampler(remote);
    return new DeferredSamplingSampler(Sampler.parentBased(root), root);
  }
}
