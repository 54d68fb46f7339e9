package com.example.ecsotel.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import java.util.regex.Pattern;

/**
 * The {@code X-Amzn-Trace-Id} forms AWS sends that the contrib X-Ray propagator does not continue, and
 * what this app does with them, as the X-Ray SDKs do:
 *
 * <ul>
 *   <li>{@code Root} without {@code Parent} (an ALB's own header: {@code Self=1-…;Root=1-…}): a new root
 *       span that keeps the ALB's trace id, so ALB access logs and X-Ray share one id;
 *   <li>{@code Sampled=?} (decision deferred): the trace continues and the app's sampler decides.
 * </ul>
 *
 * {@code Self=} and {@code Lineage=} are accepted and ignored. Only the OpenTelemetry API is used here.
 */
public final class AwsTraceHeader {
  public static final String NAME = "X-Amzn-Trace-Id";

  /** A trace id (32 hex) that the next root span must take: set by the server around span start. */
  static final ContextKey<String> ROOT_TRACE_ID = ContextKey.named("aws-trace-header-root");
  /** Set on a remote parent whose header said {@code Sampled=?}: the app's sampler decides. */
  static final ContextKey<Boolean> SAMPLING_DEFERRED = ContextKey.named("aws-trace-header-sampled-deferred");

  private static final Pattern ROOT = Pattern.compile("1-([0-9a-f]{8})-([0-9a-f]{24})");
  private static final Pattern PARENT = Pattern.compile("[0-9a-f]{16}");
  private static final Pattern SAMPLED = Pattern.compile("[01?d]");

  private final String traceId;
  private final String parentId;
  private final String sampled;

  private AwsTraceHeader(String traceId, String parentId, String sampled) {
    this.traceId = traceId;
    this.parentId = parentId;
    this.sampled = sampled;
  }

  /**
   * The header's Root, Parent and Sampled; null when the header is malformed: no valid Root, a malformed
   * Parent or Sampled, an all-zero Root or Parent (ids the OpenTelemetry API deems invalid), a field without "=", or longer than 256 characters (the one parser of this header:
   * the server's validation uses it too).
   */
  public static AwsTraceHeader parse(String value) {
    if (value == null || value.length() > 256) {
      return null;
    }
    String traceId = null;
    String parentId = null;
    String sampled = null;
    for (String part : value.split(";")) {
      if (part.isBlank()) {
        continue;
      }
      int eq = part.indexOf('=');
      if (eq <= 0) {
        return null;
      }
      String key = part.substring(0, eq).trim();
      String v = part.substring(eq + 1).trim();
      switch (key) {
        case "Root" -> {
          var m = ROOT.matcher(v);
          traceId = m.matches() ? m.group(1) + m.group(2) : null;
          // All zeros is not a trace id (OpenTelemetry API, W3C); X-Ray cannot store it either.
          if (traceId == null || !TraceId.isValid(traceId)) {
            return null;
          }
        }
        case "Parent" -> {
          if (!PARENT.matcher(v).matches() || !SpanId.isValid(v)) {
            return null;
          }
          parentId = v;
        }
        case "Sampled" -> {
          if (!SAMPLED.matcher(v).matches()) {
            return null;
          }
          sampled = v;
        }
        default -> {
          // Self=, Lineage= and anything else AWS adds: ignored.
        }
      }
    }
    return traceId == null ? null : new AwsTraceHeader(traceId, parentId, sampled);
  }

  /**
   * {@code context} carrying the header's Root when the header has no Parent, for {@link
   * RootTraceIdGenerator} to use as the new root span's trace id; otherwise {@code context} itself.
   */
  public static Context continueRoot(Context context, String headerValue) {
    AwsTraceHeader header = parse(headerValue);
    if (header == null || header.parentId != null) {
      return context;
    }
    return context.with(ROOT_TRACE_ID, header.traceId);
  }

  /** The 32-hex OpenTelemetry trace id of Root. */
  public String traceId() {
    return traceId;
  }

  /** The 16-hex span id of Parent, or null. */
  public String parentId() {
    return parentId;
  }

  /** True when the header defers the sampling decision ({@code Sampled=?}) to this service. */
  public boolean samplingDeferred() {
    return "?".equals(sampled);
  }

  /** Whether {@code context} holds a remote parent whose sampling decision was deferred to us. */
  static boolean deferred(Context context) {
    return Boolean.TRUE.equals(context.get(SAMPLING_DEFERRED))
        && Span.fromContext(context).getSpanContext().isRemote();
  }
}
