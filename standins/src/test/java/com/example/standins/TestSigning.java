package com.example.standins;

import com.example.standins.sigv4.Credentials;
import com.example.standins.sigv4.ReceivedRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Signs requests with the AWS SDK for Java v2 signer (the reference implementation) and sends them over loopback. */
public final class TestSigning {
  public static final String REGION = "us-west-2";
  private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection", "expect", "upgrade");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1).build();

  private TestSigning() {}

  /** Signs with the SDK signer; {@code extraHeaders} are added before signing (so they are signed). */
  public static SdkHttpRequest sign(
      Credentials credentials,
      String region,
      String service,
      Clock clock,
      String method,
      URI uri,
      Map<String, String> extraHeaders,
      byte[] body) {
    SdkHttpRequest.Builder builder = SdkHttpRequest.builder().method(SdkHttpMethod.fromValue(method)).uri(uri);
    extraHeaders.forEach(builder::putHeader);
    AwsCredentialsIdentity identity = credentials.sessionToken() == null
        ? AwsCredentialsIdentity.create(credentials.accessKeyId(), credentials.secretAccessKey())
        : AwsSessionCredentialsIdentity.create(
            credentials.accessKeyId(), credentials.secretAccessKey(), credentials.sessionToken());
    boolean s3 = service.equals("s3");
    SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(identity)
        .request(builder.build())
        .payload(body == null ? null : ContentStreamProvider.fromByteArray(body))
        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, service)
        .putProperty(AwsV4HttpSigner.REGION_NAME, region)
        .putProperty(AwsV4HttpSigner.DOUBLE_URL_ENCODE, !s3)
        .putProperty(AwsV4HttpSigner.NORMALIZE_PATH, !s3)
        .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    return signed.request();
  }

  /** The signed request as the stand-in would receive it (Host added the way HTTP clients send it). */
  public static ReceivedRequest received(SdkHttpRequest signed, byte[] body) {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    headers.putAll(signed.headers());
    if (!headers.containsKey("host")) {
      int port = signed.port();
      headers.put("Host", List.of(signed.host() + (port == 80 || port == 443 ? "" : ":" + port)));
    }
    return ReceivedRequest.of(
        signed.method().name(),
        signed.encodedPath(),
        signed.encodedQueryParameters().orElse(""),
        headers,
        body);
  }

  /** Sends a signed request over loopback with the JDK client (which sets Host and Content-Length itself). */
  public static HttpResponse<byte[]> send(SdkHttpRequest signed, byte[] body) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(signed.getUri()).timeout(Duration.ofSeconds(20));
    signed.headers().forEach((name, values) -> {
      if (!RESTRICTED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        values.forEach(v -> builder.header(name, v));
      }
    });
    builder.method(
        signed.method().name(),
        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    return send(builder.build());
  }

  public static HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Signs for the stand-ins' default credentials and region with the system clock, then sends. */
  public static HttpResponse<byte[]> signAndSend(
      String service, String method, URI uri, Map<String, String> headers, byte[] body) {
    SdkHttpRequest signed =
        sign(Credentials.EXAMPLE, REGION, service, Clock.systemUTC(), method, uri, headers, body);
    return send(signed, body);
  }
}
