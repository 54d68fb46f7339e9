package com.example.ecsotel.http;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The endpoints of the ADOT sample-app spec: {@code /}, {@code /outgoing-http-call} and
 * {@code /outgoing-sampleapp}, with the spec's span names and common span attributes.
 */
public final class SpecEndpoints {
  /** Request header counting sample-app hops, so mis-configured mutual peers cannot loop forever. */
  static final String HOP_HEADER = "X-Sample-App-Hop";
  static final int MAX_HOPS = 3;
  static final Attributes SPEC_ATTRIBUTES =
      Attributes.of(
          AttributeKey.stringKey("signal"), "trace", AttributeKey.stringKey("language"), "java");

  private final Tracer tracer;
  private final OutgoingHttp http;
  private final URI outgoingUrl;
  private final List<URI> peers;

  public SpecEndpoints(OpenTelemetry openTelemetry, OutgoingHttp http, URI outgoingUrl, List<URI> peers) {
    this.tracer = openTelemetry.getTracer("ADOT-Tracer-Sample");
    this.http = Objects.requireNonNull(http, "http");
    this.outgoingUrl = Objects.requireNonNull(outgoingUrl, "outgoingUrl");
    this.peers = List.copyOf(peers);
  }

  public Response root(Request request) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", "ok");
    return Response.ok(body);
  }

  public Response outgoingHttpCall(Request request) throws InterruptedException {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("target", outgoingUrl.toString());
    body.put("statusCode", call("outgoing-http-call", outgoingUrl, Map.of()));
    return Response.ok(body);
  }

  public Response outgoingSampleApp(Request request) throws InterruptedException {
    int hop = parseHop(request.header(HOP_HEADER).orElse("0"));
    List<Object> calls = new ArrayList<>();
    Span parent = tracer.spanBuilder("invoke-sample-apps").setAllAttributes(SPEC_ATTRIBUTES).startSpan();
    try (Scope ignored = parent.makeCurrent()) {
      if (peers.isEmpty() || hop >= MAX_HOPS) {
        calls.add(result(outgoingUrl, call("leaf-request", outgoingUrl, Map.of())));
      } else {
        for (URI peer : peers) {
          URI target = peer.resolve("/outgoing-sampleapp");
          int status = call("invoke-sampleapp", target, Map.of(HOP_HEADER, Integer.toString(hop + 1)));
          calls.add(result(target, status));
        }
      }
    } catch (ApiException e) {
      parent.setStatus(StatusCode.ERROR, e.getMessage());
      throw e;
    } finally {
      parent.end();
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("calls", calls);
    return Response.ok(body);
  }

  /** One spec span around one traced GET; an unreachable target becomes a 502 for our caller. */
  private int call(String spanName, URI target, Map<String, String> headers) throws InterruptedException {
    Span span = tracer.spanBuilder(spanName).setAllAttributes(SPEC_ATTRIBUTES).startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return http.get(target, headers);
    } catch (IOException e) {
      span.recordException(e);
      span.setStatus(StatusCode.ERROR, "call to " + target.getHost() + " failed");
      throw new ApiException(502, "upstream_unavailable", "call to " + target + " failed: " + e.getClass().getSimpleName());
    } finally {
      span.end();
    }
  }

  private static Map<String, Object> result(URI target, int status) {
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("target", target.toString());
    result.put("statusCode", status);
    return result;
  }

  private static int parseHop(String value) {
    try {
      int hop = Integer.parseInt(value.trim());
      if (hop < 0 || hop > MAX_HOPS) {
        throw new NumberFormatException();
      }
      return hop;
    } catch (NumberFormatException e) {
      throw new ApiException(400, "invalid_header", HOP_HEADER + " must be an integer between 0 and " + MAX_HOPS);
    }
  }
}
