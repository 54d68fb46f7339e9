package com.example.ecsotel.telemetry;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;
import java.util.List;

/**
 * The {@code X-Amzn-Trace-Id} judgement, made by the contrib {@link AwsXrayPropagator} itself: a header is
 * valid when the propagator's extraction yields a valid span context, so "counted invalid" is exactly "the
 * propagator would drop it". On top of that, the forms AWS sends that the propagator does not continue, and
 * what this app does with them, as the X-Ray SDKs do:
 *
 * <ul>
 *   <li>{@code Root} without {@code Parent} (an ALB's own header: {@code Self=1-…;Root=1-…}): a new root
 *       span that keeps the ALB's trace id, so ALB access logs and X-Ray share one id;
 *   <li>{@code Sampled=?} or a Parent without {@code Sampled} (decision deferred): the trace continues and
 *       the app's sampler (the X-Ray rules) decides.
 * </ul>
 *
 * Both are judged by the same extraction, of the header with {@code Sampled=?} read as {@code Sampled=0}
 * and, without a Parent, a placeholder Parent: so their Root follows the propagator's rules too.
 */
public final class AwsTraceHeader {
  public static final String NAME = "X-Amzn-Trace-Id";

  /** A trace id (32 hex) that the next root span must take: set by the server around span start. */
  static final ContextKey<String> ROOT_TRACE_ID = ContextKey.named("aws-trace-header-root");
  /** Set on a remote parent whose header deferred the decision: the app's sampler decides. */
  static final ContextKey<Boolean> SAMPLING_DEFERRED = ContextKey.named("aws-trace-header-sampled-deferred");

  private static final TextMapPropagator CONTRIB = AwsXrayPropagator.getInstance();
  private static final String PLACEHOLDER_PARENT = "0000000000000001";

  private final String extractable;
  private final String traceId;
  private final String parentId;
  private final boolean deferred;
  private final boolean lineage;

  private AwsTraceHeader(String extractable, String traceId, String parentId, boolean deferred, boolean lineage) {
    this.extractable = extractable;
    this.traceId = traceId;
    this.parentId = parentId;
    this.deferred = deferred;
    this.lineage = lineage;
  }

  /** The header's Root, Parent and decision; null when the contrib propagator (with our two forms) drops it. */
  public static AwsTraceHeader parse(String value) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    StringBuilder extractable = new StringBuilder(value.length() + 24);
    boolean hasParent = false;
    boolean hasLineage = false;
    String sampled = null;
    // Split, trimmed and keyed exactly as AwsXrayPropagator (1.60.0-alpha) does: ';', no empty part.
    int pos = 0;
    while (pos < value.length()) {
      int end = value.indexOf(';', pos);
      String part = end >= 0 ? value.substring(pos, end) : value.substring(pos);
      pos = end >= 0 ? end + 1 : value.length();
      String trimmed = part.trim();
      int eq = trimmed.indexOf('=');
      if (eq < 0) {
        return null; // the propagator drops the whole header
      }
      if (trimmed.startsWith("Root")) {
        // checked first, as the propagator does
      } else if (trimmed.startsWith("Parent")) {
        hasParent = true;
      } else if (trimmed.startsWith("Sampled")) {
        sampled = trimmed.substring(eq + 1);
        part = "?".equals(sampled) ? "Sampled=0" : part;
      } else if (trimmed.startsWith("Lineage")) {
        hasLineage = true; // the contrib puts a valid one into baggage
      }
      extractable.append(extractable.isEmpty() ? "" : ";").append(part);
    }
    String header = extractable.toString();
    String judged = hasParent ? header : header + ";Parent=" + PLACEHOLDER_PARENT;
    SpanContext span = Span.fromContext(CONTRIB.extract(Context.root(), judged, SINGLE)).getSpanContext();
    if (!span.isValid()) {
      return null; // includes all-zero Root or Parent: SpanContext deems them invalid
    }
    // A Parent without a decision is deferred as '?' is (aws-xray-sdk-java's AWSXRayServletFilter asks its
    // sampler for REQUESTED and UNKNOWN alike); the propagator alone would read it as "not sampled".
    boolean deferred = hasParent && (sampled == null || "?".equals(sampled));
    return new AwsTraceHeader(header, span.getTraceId(), hasParent ? span.getSpanId() : null, deferred, hasLineage);
  }

  /**
   * {@code context} carrying the header's Root when the header has no Parent, for {@link
   * RootTraceIdGenerator} to use as the new root span's trace id; otherwise {@code context} itself.
   */
  public static Context continueRoot(Context context, String headerValue) {
    return continueRootOf(context, parse(headerValue));
  }

  /** {@link #continueRoot(Context, String)} for a header already parsed (null: absent or invalid). */
  public static Context continueRootOf(Context context, AwsTraceHeader header) {
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

  /** True when the header has a Parent and defers the decision ({@code Sampled=?} or no Sampled). */
  public boolean samplingDeferred() {
    return deferred;
  }

  /**
   * True when the contrib propagator's extraction of this header changes no context: no Parent (its span context
   * is then invalid, so not set) and no Lineage (nothing for baggage), as an ALB's {@code Self=…;Root=…}.
   */
  boolean extractsNothing() {
    return parentId == null && !lineage;
  }

  /** The header as the contrib propagator can extract it ({@code Sampled=?} read as {@code Sampled=0}). */
  String extractable() {
    return extractable;
  }

  /** Whether {@code context} holds a remote parent whose sampling decision was deferred to us. */
  static boolean deferred(Context context) {
    return Boolean.TRUE.equals(context.get(SAMPLING_DEFERRED))
        && Span.fromContext(context).getSpanContext().isRemote();
  }

  /**
   * A carrier whose X-Amzn-Trace-Id was parsed already, once per request: {@link AwsTraceHeaderPropagator}
   * reuses that parse instead of parsing the header again.
   */
  public interface Parsed {
    /** Whether {@link #awsTraceHeader()} holds the parse; false: the propagator parses the header itself. */
    boolean awsTraceHeaderParsed();

    /** The parsed header; null when it is absent, malformed or hidden from the propagators. */
    AwsTraceHeader awsTraceHeader();
  }

  /** A carrier that is just the X-Amzn-Trace-Id value. */
  private static final TextMapGetter<String> SINGLE =
      new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(String carrier) {
          return List.of(NAME);
        }

        @Override
        public String get(String carrier, String key) {
          return NAME.equalsIgnoreCase(key) ? carrier : null;
        }
      };
}
