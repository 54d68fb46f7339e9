package com.example.ecsotel;

import static com.example.ecsotel.TestApp.onlySpan;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** /aws-sdk-call against an in-test S3 stand-in at AWS_ENDPOINT_URL_S3. */
class AwsSdkCallTest {
  private static final String LIST_BUCKETS_XML =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
        <Owner><ID>owner</ID><DisplayName>demo</DisplayName></Owner>
        <Buckets>
          <Bucket><Name>orders-archive</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>
          <Bucket><Name>invoices</Name><CreationDate>2024-02-01T00:00:00.000Z</CreationDate></Bucket>
        </Buckets>
      </ListAllMyBucketsResult>
      """;

  private static final String ACCESS_DENIED_XML =
      """
      <?xml version="1.0" encoding="UTF-8"?>
      <Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>r1</RequestId></Error>
      """;

  @Test
  void listsBucketsWithAnAwsSdkClientSpanUnderTheSpecSpan() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (StubServer s3 = StubServer.start();
        TestApp app = TestApp.options().spans(spans).env("AWS_ENDPOINT_URL_S3", s3.uri("").toString()).start()) {
      s3.on("/", request -> StubServer.Reply.text(200, "application/xml", LIST_BUCKETS_XML));

      HttpResponse<String> response = app.get("/aws-sdk-call");

      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"buckets\":[\"orders-archive\",\"invoices\"]");
      SpanData spec = onlySpan(spans, "get-aws-s3-buckets");
      SpanData client = onlySpan(spans, "S3.ListBuckets");
      assertThat(client.getKind()).isEqualTo(SpanKind.CLIENT);
      assertThat(client.getParentSpanId()).isEqualTo(spec.getSpanId());
      assertThat(client.getAttributes().get(AttributeKey.stringKey("rpc.system"))).isEqualTo("aws-api");
      assertThat(client.getAttributes().get(AttributeKey.stringKey("rpc.service"))).isEqualTo("S3");
      assertThat(client.getAttributes().get(AttributeKey.stringKey("rpc.method"))).isEqualTo("ListBuckets");
      // The SDK signed the request and carried the trace to "AWS".
      StubServer.Recorded received = s3.requests("/").get(0);
      assertThat(received.headers().getFirst("Authorization")).startsWith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/");
      assertThat(received.headers().getFirst("X-Amzn-Trace-Id")).contains("Root=1-" + client.getTraceId().substring(0, 8));
    }
  }

  @Test
  void accessDeniedIsA502AndTheTraceShowsTheFailure() throws Exception {
    InMemorySpanExporter spans = InMemorySpanExporter.create();
    try (StubServer s3 = StubServer.start();
        TestApp app = TestApp.options().spans(spans).env("AWS_ENDPOINT_URL_S3", s3.uri("").toString()).start()) {
      s3.on("/", request -> StubServer.Reply.text(403, "application/xml", ACCESS_DENIED_XML));

      HttpResponse<String> response = app.get("/aws-sdk-call");

      assertThat(response.statusCode()).isEqualTo(502);
      assertThat(response.body()).contains("\"error\":\"aws_call_failed\"").contains("Access Denied");
      assertThat(onlySpan(spans, "get-aws-s3-buckets").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(onlySpan(spans, "S3.ListBuckets").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
      assertThat(onlySpan(spans, "GET /aws-sdk-call").getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
    }
  }
}
