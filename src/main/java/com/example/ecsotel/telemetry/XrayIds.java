package com.example.ecsotel.telemetry;

import io.opentelemetry.api.trace.SpanContext;

/** Renders W3C ids in the X-Ray form that the X-Ray console and CloudWatch Logs search for. */
public final class XrayIds {
  private XrayIds() {}

  /** {@code 1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx}: epoch seconds, then 96 bits of randomness. */
  public static String traceId(SpanContext context) {
    String id = context.getTraceId();
    return new StringBuilder(35).append("1-").append(id, 0, 8).append('-').append(id, 8, id.length()).toString();
  }

  /** {@code 1-…@spanId}, the form the X-Ray SDKs put in log lines for trace-to-logs links. */
  public static String logId(SpanContext context) {
    return traceId(context) + "@" + context.getSpanId();
  }
}
