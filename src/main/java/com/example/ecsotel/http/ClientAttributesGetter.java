package com.example.ecsotel.http;

import io.opentelemetry.context.propagation.TextMapSetter;
import io.opentelemetry.instrumentation.api.semconv.http.HttpClientAttributesGetter;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.List;

/** Semantic-convention getters for {@code java.net.http.HttpClient} GET requests. */
enum ClientAttributesGetter
    implements HttpClientAttributesGetter<ClientRequest, HttpResponse<?>>, TextMapSetter<ClientRequest> {
  INSTANCE;

  @Override
  public String getHttpRequestMethod(ClientRequest request) {
    return "GET";
  }

  @Override
  public List<String> getHttpRequestHeader(ClientRequest request, String name) {
    String value = request.headers().get(name);
    return value == null ? List.of() : List.of(value);
  }

  @Override
  public Integer getHttpResponseStatusCode(ClientRequest request, HttpResponse<?> response, Throwable error) {
    return response == null ? null : response.statusCode();
  }

  @Override
  public List<String> getHttpResponseHeader(ClientRequest request, HttpResponse<?> response, String name) {
    return response == null ? List.of() : response.headers().allValues(name);
  }

  @Override
  public String getUrlFull(ClientRequest request) {
    return request.uri().toString();
  }

  @Override
  public String getServerAddress(ClientRequest request) {
    return request.uri().getHost();
  }

  @Override
  public Integer getServerPort(ClientRequest request) {
    int port = request.uri().getPort();
    if (port > 0) {
      return port;
    }
    return "https".equalsIgnoreCase(request.uri().getScheme()) ? 443 : 80;
  }

  @Override
  public String getNetworkProtocolName(ClientRequest request, HttpResponse<?> response) {
    return "http";
  }

  @Override
  public String getNetworkProtocolVersion(ClientRequest request, HttpResponse<?> response) {
    if (response == null) {
      return null;
    }
    return response.version() == HttpClient.Version.HTTP_2 ? "2" : "1.1";
  }

  @Override
  public void set(ClientRequest carrier, String key, String value) {
    if (carrier != null) {
      carrier.headers().put(key, value);
    }
  }
}
