package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.ecsotel.StubServer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.contrib.awsxray.AwsXrayRemoteSampler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Rules match as the X-Ray SDKs match them (issue 22, item 4): URLPath against the path without the query,
 * HTTPMethod against the method, Host against the Host header's host. The real contrib X-Ray sampler polls
 * the rules from a stand-in of the sampling API and decides on the attributes a SERVER span starts with.
 */
class XrayRuleMatchingTest {
  private static final String RULES =
      """
      {"SamplingRuleRecords":[
        {"SamplingRule":{"RuleName":"health","RuleARN":"arn:aws:xray:us-west-2:123456789012:sampling-rule/health",
          "ResourceARN":"*","Priority":1,"FixedRate":1.0,"ReservoirSize":0,"ServiceName":"*",
          "ServiceType":"*","Host":"api.example.com","HTTPMethod":"GET","URLPath":"/health","Version":1,"Attributes":{}},
         "CreatedAt":1700000000.0,"ModifiedAt":1700000000.0},
        {"SamplingRule":{"RuleName":"Default","RuleARN":"arn:aws:xray:us-west-2:123456789012:sampling-rule/Default",
          "ResourceARN":"*","Priority":10000,"FixedRate":0.0,"ReservoirSize":0,"ServiceName":"*",
          "ServiceType":"*","Host":"*","HTTPMethod":"*","URLPath":"*","Version":1,"Attributes":{}},
         "CreatedAt":1700000000.0,"ModifiedAt":1700000000.0}]}
      """;
  private static final String NO_TARGETS =
      "{\"SamplingTargetDocuments\":[],\"LastRuleModification\":1700000000.0,\"UnprocessedStatistics\":[]}";

  private StubServer xray;
  private AwsXrayRemoteSampler remote;
  private Sampler sampler;

  @BeforeEach
  void setUp() throws Exception {
    xray = StubServer.start();
    xray.on("/GetSamplingRules", r -> StubServer.Reply.text(200, "application/json", RULES));
    xray.on("/SamplingTargets", r -> StubServer.Reply.text(200, "application/json", NO_TARGETS));
    remote = AwsXrayRemoteSampler.newBuilder(Resource.getDefault())
        .setEndpoint(xray.uri("").toString())
        .setPollingInterval(Duration.ofSeconds(1))
        .build();
    sampler = new LegacyHttpAttributesSampler(remote);
  }

  @AfterEach
  void tearDown() {
    remote.close();
    xray.close();
  }

  @Test
  void aRuleForAPathMatchesThatPathWithAQueryString() throws Exception {
    // The 0 % default rule and the built-in fallback (1/s, then 5 %) cannot sample 20 in a row; the rule can.
    assertThat(awaitSampled(request("GET", "/health", "probe=1", "api.example.com")))
        .as("/health?probe=1 matched by the rule for /health").isTrue();
  }

  @Test
  void methodAndHostMustMatchToo() throws Exception {
    assertThat(awaitSampled(request("GET", "/health", null, "api.example.com"))).isTrue();

    assertThat(sampledCount(request("POST", "/health", null, "api.example.com"))).isZero();
    assertThat(sampledCount(request("GET", "/health", null, "other.example.com"))).isZero();
    assertThat(sampledCount(request("GET", "/healthz", null, "api.example.com"))).isZero();
  }

  private static Attributes request(String method, String path, String query, String host) {
    var builder = Attributes.builder()
        .put(AttributeKey.stringKey("http.request.method"), method)
        .put(AttributeKey.stringKey("url.path"), path)
        .put(AttributeKey.stringKey("url.scheme"), "http")
        .put(AttributeKey.stringKey("server.address"), host);
    if (query != null) {
      builder.put(AttributeKey.stringKey("url.query"), query);
    }
    return builder.build();
  }

  private boolean awaitSampled(Attributes attributes) throws InterruptedException {
    for (int round = 0; round < 100; round++) {
      if (sampledCount(attributes) == 20) {
        return true;
      }
      Thread.sleep(100);
    }
    return false;
  }

  private int sampledCount(Attributes attributes) {
    int sampled = 0;
    for (int i = 0; i < 20; i++) {
      var result = sampler.shouldSample(Context.root(), "5759e988bd862e3fe1be46a99427279" + (i % 10), "GET",
          SpanKind.SERVER, attributes, List.of());
      if (result.getDecision() == SamplingDecision.RECORD_AND_SAMPLE) {
        sampled++;
      }
    }
    return sampled;
  }
}
