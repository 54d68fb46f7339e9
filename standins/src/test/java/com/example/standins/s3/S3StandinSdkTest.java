package com.example.standins.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.example.standins.StandinServer;
import com.example.standins.TestSigning;
import com.example.standins.sigv4.Credentials;
import com.example.standins.sigv4.SigV4Verifier;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

class S3StandinSdkTest {
  private StandinServer server;

  @BeforeEach
  void start() throws Exception {
    server = StandinServer.start(S3Standin.create(
        SigV4Verifier.create(Credentials.EXAMPLE, TestSigning.REGION, "s3", Clock.systemUTC()),
        List.of("bucket-one", "bucket-two")), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private S3Client client(String accessKey, String secret, Region region) {
    return S3Client.builder()
        .endpointOverride(URI.create(server.baseUrl()))
        .forcePathStyle(true)
        .region(region)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKey, secret)))
        .httpClient(UrlConnectionHttpClient.create())
        .build();
  }

  @Test
  void sdkListBucketsSeesTheConfiguredBuckets() {
    try (S3Client s3 = client(Credentials.EXAMPLE.accessKeyId(), Credentials.EXAMPLE.secretAccessKey(),
        Region.US_WEST_2)) {
      assertThat(s3.listBuckets().buckets()).extracting(b -> b.name()).containsExactly("bucket-one", "bucket-two");
    }
  }

  @Test
  void wrongSecretIsSignatureDoesNotMatch() {
    try (S3Client s3 = client(Credentials.EXAMPLE.accessKeyId(), "wrong-secret", Region.US_WEST_2)) {
      assertThatThrownBy(s3::listBuckets).isInstanceOfSatisfying(S3Exception.class, e -> {
        assertThat(e.statusCode()).isEqualTo(403);
        assertThat(e.awsErrorDetails().errorCode()).isEqualTo("SignatureDoesNotMatch");
      });
    }
  }

  @Test
  void unknownKeyIsInvalidAccessKeyId() {
    try (S3Client s3 = client("AKIDSTRANGER", Credentials.EXAMPLE.secretAccessKey(), Region.US_WEST_2)) {
      assertThatThrownBy(s3::listBuckets).isInstanceOfSatisfying(S3Exception.class,
          e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidAccessKeyId"));
    }
  }

  @Test
  void wrongRegionIsAuthorizationHeaderMalformed() {
    try (S3Client s3 = client(Credentials.EXAMPLE.accessKeyId(), Credentials.EXAMPLE.secretAccessKey(),
        Region.EU_WEST_1)) {
      assertThatThrownBy(s3::listBuckets).isInstanceOfSatisfying(S3Exception.class,
          e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("AuthorizationHeaderMalformed"));
    }
  }

  @Test
  void anonymousRequestIsAccessDeniedInXml() {
    HttpResponse<byte[]> response = TestSigning.send(HttpRequest.newBuilder(URI.create(server.baseUrl() + "/"))
        .GET().build());
    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(new String(response.body(), StandardCharsets.UTF_8))
        .contains("<Error><Code>AccessDenied</Code>");
  }
}
