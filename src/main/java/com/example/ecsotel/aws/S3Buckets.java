package com.example.ecsotel.aws;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.instrumentation.awssdk.v2_2.AwsSdkTelemetry;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.Bucket;

/**
 * S3 ListBuckets through the AWS SDK v2 with OpenTelemetry's AWS SDK instrumentation, whose CLIENT
 * span ({@code S3.ListBuckets}, {@code rpc.system=aws-api}) X-Ray draws as an AWS service node.
 */
public final class S3Buckets implements AutoCloseable {
  private final S3Client s3;

  private S3Buckets(S3Client s3) {
    this.s3 = s3;
  }

  /** Credentials from the default chain (env, profile, ECS task role); IMDS is disabled in Main. */
  public static S3Buckets create(OpenTelemetry openTelemetry, String region, Optional<URI> endpoint) {
    return create(openTelemetry, region, endpoint, DefaultCredentialsProvider.builder().build());
  }

  public static S3Buckets create(
      OpenTelemetry openTelemetry,
      String region,
      Optional<URI> endpoint,
      AwsCredentialsProvider credentials) {
    Objects.requireNonNull(openTelemetry, "openTelemetry");
    var builder =
        S3Client.builder()
            .region(Region.of(Objects.requireNonNull(region, "region")))
            .credentialsProvider(Objects.requireNonNull(credentials, "credentials"))
            .httpClientBuilder(
                UrlConnectionHttpClient.builder()
                    .connectionTimeout(Duration.ofSeconds(2))
                    .socketTimeout(Duration.ofSeconds(5)))
            // Path-style so local stand-ins at http://127.0.0.1:port work without DNS tricks.
            .forcePathStyle(true)
            .overrideConfiguration(
                ClientOverrideConfiguration.builder()
                    .apiCallTimeout(Duration.ofSeconds(10))
                    .addExecutionInterceptor(
                        AwsSdkTelemetry.create(openTelemetry).createExecutionInterceptor())
                    .build());
    endpoint.ifPresent(builder::endpointOverride);
    return new S3Buckets(builder.build());
  }

  public List<String> listBucketNames() {
    return s3.listBuckets().buckets().stream().map(Bucket::name).toList();
  }

  @Override
  public void close() {
    s3.close();
  }
}
