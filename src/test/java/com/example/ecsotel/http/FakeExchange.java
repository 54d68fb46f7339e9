package com.example.ecsotel.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;

/** An exchange with a request line and headers, and no I/O: for tests of what the app reads from a request. */
final class FakeExchange extends HttpExchange {
  private final String method;
  private final URI uri;
  private final Headers headers;
  private final String protocol;

  FakeExchange(URI uri, Headers headers) {
    this("GET", uri, headers, "HTTP/1.1");
  }

  FakeExchange(String method, URI uri, Headers headers, String protocol) {
    this.method = method;
    this.uri = uri;
    this.headers = headers;
    this.protocol = protocol;
  }

  @Override public Headers getRequestHeaders() { return headers; }
  @Override public Headers getResponseHeaders() { return new Headers(); }
  @Override public URI getRequestURI() { return uri; }
  @Override public String getRequestMethod() { return method; }
  @Override public HttpContext getHttpContext() { return null; }
  @Override public void close() {}
  @Override public InputStream getRequestBody() { return InputStream.nullInputStream(); }
  @Override public OutputStream getResponseBody() { return OutputStream.nullOutputStream(); }
  @Override public void sendResponseHeaders(int code, long length) {}
  @Override public InetSocketAddress getRemoteAddress() { return null; }
  @Override public int getResponseCode() { return -1; }
  @Override public InetSocketAddress getLocalAddress() { return null; }
  @Override public String getProtocol() { return protocol; }
  @Override public Object getAttribute(String name) { return null; }
  @Override public void setAttribute(String name, Object value) {}
  @Override public void setStreams(InputStream i, OutputStream o) {}
  @Override public HttpPrincipal getPrincipal() { return null; }
}
