package com.example.standins.zipkin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import zipkin2.Span;

class SegmentSpansTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "1-6b0d9e40-02df9d7d705f95bf39bcf98d";

  private static JsonNode doc(String json) throws Exception {
    return JSON.readTree(json.replace('\'', '"'));
  }

  @Test
  void segmentBecomesServerSpanNamedAfterItsRoute() throws Exception {
    JsonNode segment = doc("{'name':'sample-app','id':'d563cd281adc8a24','trace_id':'" + TRACE + "',"
        + "'start_time':1796054592.5425253,'end_time':1796054592.5531576,"
        + "'http':{'request':{'method':'GET','url':'http://127.0.0.1:8080/aws-sdk-call','client_ip':'127.0.0.1'},"
        + "'response':{'status':200}},'annotations':{'http.route':'/aws-sdk-call','http.response.status_code':200},"
        + "'origin':'AWS::ECS::Fargate','fault':false,'error':false}");

    List<Span> spans = SegmentSpans.of(segment, "sample-app");

    assertThat(spans).hasSize(1);
    Span span = spans.get(0);
    assertThat(span.traceId()).isEqualTo("6b0d9e4002df9d7d705f95bf39bcf98d");
    assertThat(span.id()).isEqualTo("d563cd281adc8a24");
    assertThat(span.parentId()).isNull();
    assertThat(span.name()).isEqualTo("get /aws-sdk-call");   // Zipkin lower-cases span names
    assertThat(span.kind()).isEqualTo(Span.Kind.SERVER);
    assertThat(span.localServiceName()).isEqualTo("sample-app");
    assertThat(span.remoteEndpoint().ipv4()).isEqualTo("127.0.0.1");
    assertThat(span.timestampAsLong()).isEqualTo(1796054592542525L);
    assertThat(span.durationAsLong()).isEqualTo(10632L);
    assertThat(span.tags()).containsEntry("http.method", "GET").containsEntry("http.status_code", "200")
        .containsEntry("http.route", "/aws-sdk-call").containsEntry("xray.origin", "AWS::ECS::Fargate")
        .doesNotContainKey("error");
  }

  @Test
  void awsSubsegmentBecomesClientSpanTowardsTheAwsService() throws Exception {
    JsonNode s3 = doc("{'name':'S3','id':'3c289bab0055f73b','trace_id':'" + TRACE + "','parent_id':'ee75f6b29372f151',"
        + "'type':'subsegment','namespace':'aws','start_time':1796054592.5431678,'end_time':1796054592.5526614,"
        + "'aws':{'operation':'ListBuckets','request_id':'UNKNOWN'},"
        + "'http':{'request':{'method':'GET','url':'http://127.0.0.1:4512/'},'response':{'status':403}},"
        + "'error':true,'cause':{'exceptions':[{'message':'Access Denied'}]}}");

    Span span = SegmentSpans.of(s3, "sample-app").get(0);

    assertThat(span.parentId()).isEqualTo("ee75f6b29372f151");
    assertThat(span.kind()).isEqualTo(Span.Kind.CLIENT);
    assertThat(span.name()).isEqualTo("listbuckets");
    assertThat(span.localServiceName()).isEqualTo("sample-app");
    assertThat(span.remoteServiceName()).isEqualTo("s3");
    assertThat(span.tags()).containsEntry("aws.operation", "ListBuckets").containsEntry("error", "Access Denied");
  }

  @Test
  void remoteSubsegmentPointsAtTheHostItCalled() throws Exception {
    JsonNode call = doc("{'name':'GET','id':'47afd0c2805c5aa3','trace_id':'" + TRACE + "','parent_id':'aaaaaaaaaaaaaaaa',"
        + "'type':'subsegment','namespace':'remote','start_time':1.0,'end_time':1.5,"
        + "'http':{'request':{'method':'GET','url':'http://127.0.0.1:8081/orders/7'},'response':{'status':500}},"
        + "'fault':true}");

    Span span = SegmentSpans.of(call, "sample-app").get(0);

    assertThat(span.kind()).isEqualTo(Span.Kind.CLIENT);
    assertThat(span.remoteServiceName()).isEqualTo("127.0.0.1:8081");
    assertThat(span.tags()).containsEntry("error", "fault");
    assertThat(span.durationAsLong()).isEqualTo(500_000L);
  }

  @Test
  void inlineSubsegmentsOfAnXraySdkSegmentAreWalked() throws Exception {
    // The shape the X-Ray SDKs send: subsegments nested inside their segment (AWS X-Ray developer guide).
    JsonNode segment = doc("{'name':'Scorekeep','id':'70de5b6f19ff9a0a','trace_id':'1-581cf771-a006649127e371903a2de979',"
        + "'start_time':1.478293361271E9,'end_time':1.478293361449E9,"
        + "'subsegments':[{'id':'0f910026178b71eb','name':'DynamoDB','namespace':'aws','start_time':1.478293361272E9,"
        + "'end_time':1.478293361275E9,'aws':{'operation':'UpdateItem'},"
        + "'subsegments':[{'id':'1f910026178b71ec','name':'marshal','start_time':1.478293361273E9,"
        + "'end_time':1.478293361274E9}]}]}");

    List<Span> spans = SegmentSpans.of(segment, "Scorekeep");

    assertThat(spans).extracting(Span::id).containsExactly("70de5b6f19ff9a0a", "0f910026178b71eb", "1f910026178b71ec");
    assertThat(spans).extracting(Span::parentId).containsExactly(null, "70de5b6f19ff9a0a", "0f910026178b71eb");
    assertThat(spans).extracting(Span::localServiceName).containsOnly("scorekeep");
    assertThat(spans.get(1).remoteServiceName()).isEqualTo("dynamodb");
    assertThat(spans.get(2).kind()).isNull();   // a local subsegment: no remote side
  }

  @Test
  void rejectsWhatIsNotAnXrayTraceId() {
    assertThatThrownBy(() -> SegmentSpans.zipkinTraceId("4bf92f3577b34da6a3ce929d0e0e4736"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an X-Ray trace id");
  }
}
