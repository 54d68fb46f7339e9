package com.example.standins.xray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.standins.StandinServer;
import com.example.standins.TestSigning;
import com.example.standins.sigv4.Credentials;
import com.example.standins.sigv4.SigV4Verifier;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.xray.XRayClient;
import software.amazon.awssdk.services.xray.model.GetSamplingTargetsResponse;
import software.amazon.awssdk.services.xray.model.GetTraceSummariesResponse;
import software.amazon.awssdk.services.xray.model.InvalidRequestException;
import software.amazon.awssdk.services.xray.model.PutTraceSegmentsResponse;
import software.amazon.awssdk.services.xray.model.SamplingStatisticsDocument;
import software.amazon.awssdk.services.xray.model.XRayException;

/** The AWS SDK for Java v2 X-Ray client, pointed at the stand-in, works as against the real service. */
class XRayStandinSdkTest {
  private StandinServer server;
  private XRayClient xray;

  static String traceId() {
    long now = Instant.now().getEpochSecond();
    return "1-" + String.format(Locale.ROOT, "%08x", now) + "-" + "%024x".formatted(System.nanoTime());
  }

  static String segment(String traceId, String id, String name, String extra) {
    double now = System.currentTimeMillis() / 1000.0;
    return "{\"name\":\"" + name + "\",\"id\":\"" + id + "\",\"trace_id\":\"" + traceId + "\",\"start_time\":"
        + (now - 1) + ",\"end_time\":" + now + extra + "}";
  }

  static XRayClient client(String endpoint, String accessKey) {
    return XRayClient.builder()
        .endpointOverride(URI.create(endpoint))
        .region(Region.US_WEST_2)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(accessKey, Credentials.EXAMPLE.secretAccessKey())))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  @BeforeEach
  void start() throws Exception {
    Clock clock = Clock.systemUTC();
    server = StandinServer.start(XRayStandin.create(
        SigV4Verifier.create(Credentials.EXAMPLE, TestSigning.REGION, "xray", clock),
        SegmentStore.create(1000), SamplingRules.create(clock)), "127.0.0.1", 0);
    xray = client(server.baseUrl(), Credentials.EXAMPLE.accessKeyId());
  }

  @AfterEach
  void stop() {
    if (xray != null) {
      xray.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void validSegmentsAreAcceptedAndInvalidOnesReportedAsUnprocessed() {
    String trace = traceId();
    String big = "x".repeat(SegmentValidator.MAX_DOCUMENT_BYTES);
    PutTraceSegmentsResponse response = xray.putTraceSegments(r -> r.traceSegmentDocuments(
        segment(trace, "0000000000000001", "sample-app", ",\"http\":{\"response\":{\"status\":200}}"),
        segment("1-abc-123", "0000000000000002", "sample-app", ""),
        "{\"name\":\"x\",\"id\":\"0000000000000003\",\"trace_id\":\"" + trace + "\",\"start_time\":1}",
        segment(trace, "0000000000000004", "sample-app", ",\"subsegments\":[{\"name\":\"S3\",\"start_time\":1,"
            + "\"end_time\":2}]"),
        segment(trace, "0000000000000005", "sample-app", ",\"annotations\":{\"pad\":\"" + big + "\"}"),
        "{not json"));
    assertThat(response.unprocessedTraceSegments())
        .extracting(u -> u.errorCode())
        .containsExactly("InvalidTraceId", "MissingEndTime", "SubsegmentMissingId", "SegmentTooLarge", "InvalidJson");
    assertThat(response.unprocessedTraceSegments().get(0).id()).isEqualTo("0000000000000002");
    assertThat(response.unprocessedTraceSegments().get(0).message()).startsWith("Invalid segment. ErrorCode: ");
    assertThat(server.stats().received("segments")).isEqualTo(1);
  }

  @Test
  void moreThanFiftyDocumentsInOneCallIsRejected() {
    String trace = traceId();
    List<String> docs = new ArrayList<>();
    for (int i = 0; i < 51; i++) {
      docs.add(segment(trace, "%016x".formatted(i + 1), "sample-app", ""));
    }
    assertThatThrownBy(() -> xray.putTraceSegments(r -> r.traceSegmentDocuments(docs)))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("Exceeding maximum segment count: 50");
    assertThat(xray.putTraceSegments(r -> r.traceSegmentDocuments(docs.subList(0, 50)))
        .unprocessedTraceSegments()).isEmpty();
  }

  @Test
  void unknownAccessKeyIsRejectedAsAwsWould() {
    try (XRayClient stranger = client(server.baseUrl(), "AKIDSTRANGER")) {
      assertThatThrownBy(() -> stranger.getSamplingRules(r -> {}))
          .isInstanceOfSatisfying(XRayException.class, e -> {
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
          });
    }
  }

  @Test
  void samplingRulesAndTargetsFollowTheConfiguredRules() {
    assertThat(xray.getSamplingRules(r -> {}).samplingRuleRecords())
        .extracting(r -> r.samplingRule().ruleName()).containsExactly("Default");
    String rules = "[{\"RuleName\":\"health\",\"Priority\":1,\"FixedRate\":0.0,\"ReservoirSize\":0,"
        + "\"URLPath\":\"/health\"},{\"RuleName\":\"Default\",\"FixedRate\":1.0,\"ReservoirSize\":4}]";
    assertThat(server.standin().putSamplingRules(rules.getBytes(java.nio.charset.StandardCharsets.UTF_8)).status())
        .isEqualTo(200);
    assertThat(xray.getSamplingRules(r -> {}).samplingRuleRecords())
        .extracting(r -> r.samplingRule().ruleName() + ":" + r.samplingRule().urlPath())
        .containsExactly("health:/health", "Default:*");
    Instant now = Instant.now();
    GetSamplingTargetsResponse targets = xray.getSamplingTargets(r -> r.samplingStatisticsDocuments(
        stats("Default", "client-a", now), stats("health", "client-a", now), stats("nope", "client-a", now)));
    assertThat(targets.samplingTargetDocuments())
        .extracting(t -> t.ruleName() + " " + t.fixedRate() + " " + t.reservoirQuota() + " " + t.interval())
        .containsExactly("Default 1.0 4 10", "health 0.0 0 10");
    assertThat(targets.samplingTargetDocuments().get(0).reservoirQuotaTTL()).isAfter(now);
    assertThat(targets.unprocessedStatistics()).extracting(u -> u.ruleName()).containsExactly("nope");
    assertThat(targets.lastRuleModification()).isNotNull();
    // A second client shares the reservoir of the rule.
    GetSamplingTargetsResponse shared = xray.getSamplingTargets(r -> r.samplingStatisticsDocuments(
        stats("Default", "client-b", now)));
    assertThat(shared.samplingTargetDocuments().get(0).reservoirQuota()).isEqualTo(2);
  }

  /**
   * The API reference marks SamplingStatisticsDocuments "Required: Yes" with no minimum length. The
   * OpenTelemetry Java X-Ray sampler (Jackson NON_EMPTY) sends {@code {}} when it polls with nothing to
   * report; it then retries after its default 10 s, so the 400 costs it one poll, never a sampling decision.
   */
  @Test
  void samplingTargetsNeedTheStatisticsMemberButAcceptAnEmptyList() {
    assertThatThrownBy(() -> xray.getSamplingTargets(r -> {}))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("SamplingStatisticsDocuments is required");

    GetSamplingTargetsResponse empty = xray.getSamplingTargets(r -> r.samplingStatisticsDocuments(List.of()));
    assertThat(empty.samplingTargetDocuments()).isEmpty();
    assertThat(empty.unprocessedStatistics()).isEmpty();
  }

  private static SamplingStatisticsDocument stats(String rule, String client, Instant at) {
    return SamplingStatisticsDocument.builder().ruleName(rule).clientID(client).timestamp(at)
        .requestCount(10).sampledCount(1).borrowCount(0).build();
  }

  @Test
  void traceSummariesFilterByServiceAndBatchGetTracesReturnsTheDocuments() {
    String trace = traceId();
    String other = traceId().replaceFirst(".$", "f");
    xray.putTraceSegments(r -> r.traceSegmentDocuments(
        segment(trace, "00000000000000a1", "sample-app",
            ",\"fault\":true,\"http\":{\"request\":{\"method\":\"GET\",\"url\":\"http://x/a\"},"
                + "\"response\":{\"status\":500}}"),
        segment(trace, "00000000000000a2", "sample-app-peer", ",\"parent_id\":\"00000000000000a1\""),
        segment(other, "00000000000000b1", "unrelated", "")));
    Instant now = Instant.now();
    GetTraceSummariesResponse summaries = xray.getTraceSummaries(r -> r.startTime(now.minusSeconds(60))
        .endTime(now.plusSeconds(60)).filterExpression("service(\"sample-app-peer\")"));
    assertThat(summaries.traceSummaries()).extracting(s -> s.id()).containsExactly(trace);
    assertThat(summaries.traceSummaries().get(0).hasFault()).isTrue();
    assertThat(summaries.traceSummaries().get(0).http().httpStatus()).isEqualTo(500);
    assertThat(summaries.traceSummaries().get(0).serviceIds()).extracting(s -> s.name())
        .containsExactly("sample-app", "sample-app-peer");
    assertThat(xray.getTraceSummaries(r -> r.startTime(now.minusSeconds(3600)).endTime(now.minusSeconds(600)))
        .traceSummaries()).isEmpty();
    assertThatThrownBy(() -> xray.getTraceSummaries(r -> r.startTime(now.minusSeconds(60)).endTime(now)
        .filterExpression("annotation.x = 1"))).isInstanceOf(InvalidRequestException.class);

    var traces = xray.batchGetTraces(r -> r.traceIds(trace, "1-00000000-000000000000000000000000"));
    assertThat(traces.traces()).hasSize(1);
    assertThat(traces.traces().get(0).segments()).extracting(s -> s.id())
        .containsExactlyInAnyOrder("00000000000000a1", "00000000000000a2");
    assertThat(traces.traces().get(0).segments().get(0).document()).contains("\"trace_id\":\"" + trace + "\"");
    assertThat(traces.unprocessedTraceIds()).containsExactly("1-00000000-000000000000000000000000");
  }

  @Test
  void telemetryRecordsAreAccepted() {
    xray.putTelemetryRecords(r -> r.telemetryRecords(t -> t.timestamp(Instant.now()).segmentsReceivedCount(1)));
    assertThat(server.stats().received("telemetryRecords")).isEqualTo(1);
  }
}
