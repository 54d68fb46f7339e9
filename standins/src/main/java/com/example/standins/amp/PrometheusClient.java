package com.example.standins.amp;

import static java.util.Objects.requireNonNull;

import com.example.standins.Reply;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** Forwards accepted writes and queries to the real Prometheus server and turns its answer into a reply. */
public final class PrometheusClient {
  private final URI baseUrl;
  private final HttpClient http;

  private PrometheusClient(URI baseUrl) {
    this.baseUrl = baseUrl;
    this.http = HttpClient.newBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .version(HttpClient.Version.HTTP_1_1)
        .build();
  }

  public static PrometheusClient create(String baseUrl) {
    String trimmed = requireNonNull(baseUrl, "baseUrl").replaceAll("/+$", "");
    return new PrometheusClient(URI.create(trimmed));
  }

  /** POSTs the original remote-write body, unchanged, to /api/v1/write. */
  public Reply write(byte[] body, String version) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl + "/api/v1/write"))
        .timeout(Duration.ofSeconds(30))
        .header("Content-Encoding", "snappy")
        .header("Content-Type", "application/x-protobuf")
        .header("X-Prometheus-Remote-Write-Version", version)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
    return exchange(request, "write");
  }

  /** Proxies a query API call (path below /api/v1/, raw query string, optional form body). */
  public Reply query(String method, String apiPath, String rawQuery, String contentType, byte[] body) {
    String uri = baseUrl + "/api/v1/" + apiPath + (rawQuery.isEmpty() ? "" : "?" + rawQuery);
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(uri)).timeout(Duration.ofSeconds(30));
    if (method.equals("POST")) {
      builder.header("Content-Type", contentType == null ? "application/x-www-form-urlencoded" : contentType)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    } else {
      builder.GET();
    }
    return exchange(builder.build(), "query");
  }

  private Reply exchange(HttpRequest request, String what) {
    try {
      HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
      String type = response.headers().firstValue("Content-Type").orElse("text/plain");
      Reply reply = new Reply(response.statusCode(), Map.of("Content-Type", type), response.body(),
          response.statusCode() < 400 ? Reply.ACCEPTED : "prometheus." + response.statusCode(),
          response.statusCode() < 400 ? "" : "Prometheus " + what + " answered " + response.statusCode() + ": "
              + abbreviate(new String(response.body(), java.nio.charset.StandardCharsets.UTF_8)));
      return reply;
    } catch (IOException e) {
      // 503 so the remote-write exporter retries: for it an unreachable Prometheus is an outage, not a bad request.
      return Reply.awsJsonError(503, "ServiceUnavailableException",
          "Prometheus at " + baseUrl + " unreachable: " + e, "prometheus.unreachable");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Reply.awsJsonError(503, "ServiceUnavailableException", "interrupted", "prometheus.unreachable");
    }
  }

  private static String abbreviate(String text) {
    String oneLine = text.strip().replaceAll("\\s+", " ");
    return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
  }
}
