package com.example.standins.sigv4;

import static com.example.standins.TestSigning.REGION;
import static org.assertj.core.api.Assertions.assertThat;

import com.example.standins.TestSigning;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.SdkHttpRequest;

/** Requests signed by the AWS SDK for Java v2 signer are accepted; every kind of tampering is rejected. */
class SdkSignedRequestsTest {
  private static final Clock NOW = Clock.fixed(Instant.parse("2026-11-25T12:00:00Z"), ZoneOffset.UTC);
  private static final byte[] BODY = "{\"TraceSegmentDocuments\":[]}".getBytes(StandardCharsets.UTF_8);
  private static final URI XRAY_URI = URI.create("http://127.0.0.1:4510/TraceSegments");

  private static SigV4Verifier xray() {
    return SigV4Verifier.create(Credentials.EXAMPLE, REGION, "xray", NOW);
  }

  private static SdkHttpRequest signXray(Credentials credentials, String region, String service, Clock clock) {
    return TestSigning.sign(credentials, region, service, clock, "POST", XRAY_URI,
        Map.of("Content-Type", "application/json"), BODY);
  }

  private static ReceivedRequest withHeader(ReceivedRequest r, String name, String value) {
    Map<String, List<String>> headers = headersOf(r);
    headers.put(name, List.of(value));
    return ReceivedRequest.of(r.method(), r.rawPath(), r.rawQuery(), headers, r.body());
  }

  private static Map<String, List<String>> headersOf(ReceivedRequest r) {
    Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    for (String name : List.of("authorization", "host", "content-type", "x-amz-date", "x-amz-content-sha256",
        "x-amz-security-token")) {
      if (!r.headerValues(name).isEmpty()) {
        headers.put(name, r.headerValues(name));
      }
    }
    return headers;
  }

  @Test
  void sdkSignedPostIsAccepted() {
    ReceivedRequest request = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    assertThat(xray().verify(request).isAccepted()).as(xray().verify(request).toString()).isTrue();
  }

  @Test
  void sdkSignedGetWithQueryIsAccepted() {
    URI uri = URI.create("http://127.0.0.1:4511/workspaces/ws-local/api/v1/query?query=sum%28up%29+by+%28job%29&time=1");
    SdkHttpRequest signed = TestSigning.sign(Credentials.EXAMPLE, REGION, "aps", NOW, "GET", uri, Map.of(), null);
    Verification result = SigV4Verifier.create(Credentials.EXAMPLE, REGION, "aps", NOW)
        .verify(TestSigning.received(signed, new byte[0]));
    assertThat(result.isAccepted()).as(result.toString()).isTrue();
  }

  @Test
  void sdkSignedS3RequestWithEncodedPathIsAccepted() {
    URI uri = URI.create("http://127.0.0.1:4512/my-bucket/a%20key%2Bplus/x.txt?list-type=2&prefix=a%2Fb");
    SdkHttpRequest signed = TestSigning.sign(Credentials.EXAMPLE, REGION, "s3", NOW, "GET", uri, Map.of(), null);
    Verification result = SigV4Verifier.create(Credentials.EXAMPLE, REGION, "s3", NOW)
        .verify(TestSigning.received(signed, new byte[0]));
    assertThat(result.isAccepted()).as(result.toString()).isTrue();
  }

  @Test
  void sessionTokenSignedBySdkIsAcceptedOnlyWhenConfigured() {
    Credentials withToken = Credentials.EXAMPLE.withSessionToken("FAKE-SESSION-TOKEN");
    ReceivedRequest request = TestSigning.received(signXray(withToken, REGION, "xray", NOW), BODY);
    assertThat(SigV4Verifier.create(withToken, REGION, "xray", NOW).verify(request).isAccepted()).isTrue();
    assertThat(xray().verify(request).reason()).isEqualTo(Reason.INVALID_SECURITY_TOKEN);
  }

  @Test
  void changedBodyIsRejected() {
    ReceivedRequest signed = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    ReceivedRequest tampered = ReceivedRequest.of(signed.method(), signed.rawPath(), signed.rawQuery(),
        headersOf(signed), "{\"TraceSegmentDocuments\":[1]}".getBytes(StandardCharsets.UTF_8));
    assertThat(xray().verify(tampered).reason()).isEqualTo(Reason.PAYLOAD_HASH_MISMATCH);
  }

  @Test
  void changedBodyWithoutContentSha256HeaderIsRejected() {
    // What a Go-signed request (no x-amz-content-sha256) with a modified body looks like.
    ReceivedRequest signed = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    Map<String, List<String>> headers = headersOf(signed);
    headers.remove("x-amz-content-sha256");
    ReceivedRequest tampered = ReceivedRequest.of(signed.method(), signed.rawPath(), signed.rawQuery(), headers,
        "{}".getBytes(StandardCharsets.UTF_8));
    assertThat(xray().verify(tampered).reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void changedSignedHeaderIsRejected() {
    ReceivedRequest signed = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    assertThat(xray().verify(withHeader(signed, "Content-Type", "text/plain")).reason())
        .isEqualTo(Reason.SIGNATURE_MISMATCH);
    assertThat(xray().verify(withHeader(signed, "Host", "127.0.0.1:9999")).reason())
        .isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void changedDateIsRejected() {
    ReceivedRequest signed = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    assertThat(xray().verify(withHeader(signed, "X-Amz-Date", "20261125T120001Z")).reason())
        .isEqualTo(Reason.SIGNATURE_MISMATCH);
    assertThat(xray().verify(withHeader(signed, "X-Amz-Date", "20261126T120000Z")).reason())
        .isEqualTo(Reason.WRONG_CREDENTIAL_SCOPE);
  }

  @Test
  void wrongRegionIsRejected() {
    ReceivedRequest request = TestSigning.received(signXray(Credentials.EXAMPLE, "us-east-1", "xray", NOW), BODY);
    Verification result = xray().verify(request);
    assertThat(result.reason()).isEqualTo(Reason.WRONG_CREDENTIAL_SCOPE);
    assertThat(result.message()).contains("us-east-1");
  }

  @Test
  void wrongServiceIsRejected() {
    ReceivedRequest request = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "aps", NOW), BODY);
    Verification result = xray().verify(request);
    assertThat(result.reason()).isEqualTo(Reason.WRONG_CREDENTIAL_SCOPE);
    assertThat(result.message()).contains("'xray'");
  }

  @Test
  void unknownAccessKeyIsRejected() {
    Credentials other = Credentials.of("AKIDOTHER", Credentials.EXAMPLE.secretAccessKey());
    assertThat(xray().verify(TestSigning.received(signXray(other, REGION, "xray", NOW), BODY)).reason())
        .isEqualTo(Reason.UNKNOWN_ACCESS_KEY);
  }

  @Test
  void wrongSecretKeyIsRejected() {
    Credentials other = Credentials.of(Credentials.EXAMPLE.accessKeyId(), "not-the-secret");
    assertThat(xray().verify(TestSigning.received(signXray(other, REGION, "xray", NOW), BODY)).reason())
        .isEqualTo(Reason.SIGNATURE_MISMATCH);
  }

  @Test
  void signatureOlderOrNewerThanFiveMinutesIsRejected() {
    Clock past = Clock.offset(NOW, Duration.ofMinutes(-6));
    Clock future = Clock.offset(NOW, Duration.ofMinutes(6));
    assertThat(xray().verify(TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", past), BODY))
        .reason()).isEqualTo(Reason.CLOCK_SKEW);
    assertThat(xray().verify(TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", future), BODY))
        .reason()).isEqualTo(Reason.CLOCK_SKEW);
    Clock withinSkew = Clock.offset(NOW, Duration.ofMinutes(-4));
    assertThat(xray().verify(TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", withinSkew), BODY))
        .isAccepted()).isTrue();
  }

  @Test
  void missingAuthorizationIsRejected() {
    ReceivedRequest signed = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    Map<String, List<String>> headers = headersOf(signed);
    headers.remove("authorization");
    ReceivedRequest unsigned = ReceivedRequest.of("POST", "/TraceSegments", "", headers, BODY);
    assertThat(xray().verify(unsigned).reason()).isEqualTo(Reason.MISSING_AUTHENTICATION);
  }

  @Test
  void authorizationThatDoesNotSignHostIsRejected() {
    ReceivedRequest signed = TestSigning.received(signXray(Credentials.EXAMPLE, REGION, "xray", NOW), BODY);
    String authz = signed.header("authorization").replaceAll("SignedHeaders=[^,]*", "SignedHeaders=x-amz-date");
    Verification result = xray().verify(withHeader(signed, "Authorization", authz));
    assertThat(result.reason()).isEqualTo(Reason.INCOMPLETE_SIGNATURE);
    assertThat(result.message()).contains("Host");
  }

  @Test
  void unsignedPayloadIsOnlyAcceptedByS3() {
    URI uri = URI.create("http://127.0.0.1:4512/");
    Map<String, String> headers = new HashMap<>();
    SdkHttpRequest s3 = TestSigning.sign(Credentials.EXAMPLE, REGION, "s3", NOW, "GET", uri, headers, null);
    ReceivedRequest received = TestSigning.received(s3, new byte[0]);
    assertThat(SigV4Verifier.create(Credentials.EXAMPLE, REGION, "s3", NOW).verify(received).isAccepted()).isTrue();
    ReceivedRequest unsigned = withHeader(received, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    // Signed over the real hash, so claiming UNSIGNED-PAYLOAD afterwards must not verify either.
    assertThat(SigV4Verifier.create(Credentials.EXAMPLE, REGION, "s3", NOW).verify(unsigned).reason())
        .isEqualTo(Reason.SIGNATURE_MISMATCH);
    assertThat(SigV4Verifier.create(Credentials.EXAMPLE, REGION, "xray", NOW).verify(unsigned).reason())
        .isIn(Reason.PAYLOAD_HASH_MISMATCH, Reason.WRONG_CREDENTIAL_SCOPE);
  }
}
