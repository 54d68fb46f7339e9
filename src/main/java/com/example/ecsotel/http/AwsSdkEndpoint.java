package com.example.ecsotel.http;

import com.example.ecsotel.aws.S3Buckets;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import software.amazon.awssdk.core.exception.SdkException;

/** {@code GET /aws-sdk-call}: the spec's "get-aws-s3-buckets" span around S3 ListBuckets. */
public final class AwsSdkEndpoint {
  private final Tracer tracer;
  private final S3Buckets s3;

  public AwsSdkEndpoint(OpenTelemetry openTelemetry, S3Buckets s3) {
    this.tracer = openTelemetry.getTracer("ADOT-Tracer-Sample");
    this.s3 = Objects.requireNonNull(s3, "s3");
  }

  public Response listBuckets(Request request) {
    Span span =
        tracer.spanBuilder("get-aws-s3-buckets").setAllAttributes(SpecEndpoints.SPEC_ATTRIBUTES).startSpan();
    List<String> names;
    try (Scope ignored = span.makeCurrent()) {
      names = s3.listBucketNames();
    } catch (SdkException e) {
      // Per the spec: without credentials or permission the request fails and the trace shows why.
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, "S3 ListBuckets failed");
      throw new ApiException(502, "aws_call_failed", "S3 ListBuckets failed: " + firstLine(e.getMessage()));
    } finally {
      span.end();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("buckets", names);
    return Response.ok(body);
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unknown error";
    }
    String line = message.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) : line;
  }
}
