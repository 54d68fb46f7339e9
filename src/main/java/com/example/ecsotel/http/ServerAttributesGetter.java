package com.example.ecsotel.http;

import com.sun.net.httpserver.HttpsExchange;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerAttributesGetter;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Maps {@code com.sun.net.httpserver} onto the HTTP semantic-convention getters of the maintained
 * instrumentation API. (The ready-made opentelemetry-java-http-server module is not served at the
 * 2.31.1-alpha line by our Maven mirror, so we supply the ~60 lines it would.)
 */
enum ServerAttributesGetter
    implements HttpServerAttributesGetter<ServerRequest, Integer>, TextMapGetter<ServerRequest> {
  INSTANCE;

  @Override
  public String getHttpRequestMethod(ServerRequest request) {
    return request.head().method();
  }

  @Override
  public List<String> getHttpRequestHeader(ServerRequest request, String name) {
    List<String> values = request.head().header(name); // read once, in RequestHead's pass
    return values == null ? List.of() : values;
  }

  @Override
  public Integer getHttpResponseStatusCode(ServerRequest request, Integer status, Throwable error) {
    return status;
  }

  @Override
  public List<String> getHttpResponseHeader(ServerRequest request, Integer status, String name) {
    List<String> values = request.exchange().getResponseHeaders().get(name);
    return values == null ? List.of() : values;
  }

  @Override
  public String getUrlScheme(ServerRequest request) {
    return request.exchange() instanceof HttpsExchange ? "https" : "http";
  }

  @Override
  public String getUrlPath(ServerRequest request) {
    return request.head().rawPath();
  }

  @Override
  public String getUrlQuery(ServerRequest request) {
    return request.exchange().getRequestURI().getRawQuery();
  }

  @Override
  public String getHttpRoute(ServerRequest request) {
    return request.route();
  }

  @Override
  public String getNetworkProtocolName(ServerRequest request, Integer status) {
    return "http";
  }

  @Override
  public String getNetworkProtocolVersion(ServerRequest request, Integer status) {
    String protocol = request.exchange().getProtocol(); // "HTTP/1.1"
    if ("HTTP/1.1".equals(protocol)) {
      return "1.1"; // nearly every request: no substring
    }
    int slash = protocol == null ? -1 : protocol.indexOf('/');
    return slash < 0 ? null : protocol.substring(slash + 1);
  }

  @Override
  public InetSocketAddress getNetworkPeerInetSocketAddress(ServerRequest request, Integer status) {
    return request.exchange().getRemoteAddress();
  }

  @Override
  public InetSocketAddress getNetworkLocalInetSocketAddress(ServerRequest request, Integer status) {
    return request.exchange().getLocalAddress();
  }

  // TextMapGetter: lets the configured propagators (W3C, baggage, X-Ray) read incoming headers.

  @Override
  public Iterable<String> keys(ServerRequest request) {
    return request.exchange().getRequestHeaders().keySet();
  }

  @Override
  public String get(ServerRequest request, String key) {
    if (request == null || request.traceHeaders().hides(key)) {
      return null;
    }
    List<String> values = request.head().header(key);
    if (values == null || values.isEmpty()) {
      return null;
    }
    // W3C tracestate and baggage: several header lines are one list, combined with commas (RFC 9110 5.3).
    // traceparent and X-Amzn-Trace-Id may appear only once: TraceHeaders already hid them if repeated.
    return values.size() == 1 ? values.get(0) : String.join(",", values);
  }
}
