package com.example.standins.sigv4;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Verifies AWS Signature Version 4 on a request as it was received.
 *
 * <p>Written by hand with JDK crypto because no maintained library verifies a <em>received</em> SigV4 request: the
 * SDKs only sign. Re-signing the received request with the AWS SDK for Java v2 and comparing does not work either: that
 * signer always adds and signs {@code x-amz-content-sha256}, which the collector's Go signer (sigv4auth, AWS SDK for Go
 * v2) does not send, so the signatures would never match. Instead the canonical request is rebuilt from exactly what
 * arrived: method, path (URI-encoded per the service's rules), sorted query, the received {@code SignedHeaders} only,
 * and the payload hash.
 */
public final class SigV4Verifier {
  /** How far x-amz-date may be from the stand-in's clock, as AWS allows. */
  public static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(5);

  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";

  private final Credentials credentials;
  private final String region;
  private final String service;
  private final Clock clock;
  private final boolean s3Rules;

  private SigV4Verifier(Credentials credentials, String region, String service, Clock clock) {
    this.credentials = credentials;
    this.region = region;
    this.service = service;
    this.clock = clock;
    this.s3Rules = service.equals("s3");
  }

  /** A verifier for one service and region; service {@code s3} applies S3's rules (single encoding, payload hash). */
  public static SigV4Verifier create(Credentials credentials, String region, String service, Clock clock) {
    return new SigV4Verifier(
        requireNonNull(credentials, "credentials"),
        requireNonNull(region, "region"),
        requireNonNull(service, "service"),
        requireNonNull(clock, "clock"));
  }

  public String service() {
    return service;
  }

  public Verification verify(ReceivedRequest request) {
    requireNonNull(request, "request");
    String authorization = request.header("authorization");
    if (authorization == null) {
      return Verification.rejected(Reason.MISSING_AUTHENTICATION, "Missing Authentication Token");
    }
    AuthorizationHeader auth;
    try {
      auth = AuthorizationHeader.parse(authorization);
    } catch (IllegalArgumentException e) {
      return Verification.rejected(Reason.INCOMPLETE_SIGNATURE, e.getMessage());
    }
    if (!auth.accessKeyId().equals(credentials.accessKeyId())) {
      return Verification.rejected(
          Reason.UNKNOWN_ACCESS_KEY, "The security token included in the request is invalid.");
    }
    String amzDate = request.header("x-amz-date");
    Instant signedAt;
    try {
      signedAt = Instant.from(AMZ_DATE.parse(amzDate == null ? "" : amzDate.strip()));
    } catch (DateTimeParseException e) {
      return Verification.rejected(
          Reason.INCOMPLETE_SIGNATURE,
          "Authorization header requires existence of a valid 'X-Amz-Date' header (yyyyMMdd'T'HHmmss'Z').");
    }
    Verification scope = checkScope(auth, amzDate.strip());
    if (!scope.isAccepted()) {
      return scope;
    }
    Instant now = clock.instant();
    if (Duration.between(signedAt, now).abs().compareTo(MAX_CLOCK_SKEW) > 0) {
      return Verification.rejected(
          Reason.CLOCK_SKEW,
          "Signature expired: " + amzDate.strip() + " is now earlier or later than " + AMZ_DATE.format(now)
              + " +/- 5 min.");
    }
    Verification token = checkToken(request);
    if (!token.isAccepted()) {
      return token;
    }
    Verification headers = checkSignedHeaders(auth.signedHeaders(), request);
    if (!headers.isAccepted()) {
      return headers;
    }
    String payloadHash = SigningKeys.sha256Hex(request.bodyUnsafe());
    String declared = request.header("x-amz-content-sha256");
    if (declared == null && s3Rules) {
      return Verification.rejected(
          Reason.MISSING_CONTENT_SHA256, "Missing required header for this request: x-amz-content-sha256");
    }
    if (declared != null) {
      declared = declared.strip();
      if (declared.equals(UNSIGNED_PAYLOAD) && s3Rules) {
        payloadHash = UNSIGNED_PAYLOAD;
      } else if (!declared.equals(payloadHash)) {
        return Verification.rejected(
            Reason.PAYLOAD_HASH_MISMATCH,
            "The provided 'x-amz-content-sha256' header does not match what was computed.");
      }
    }
    String canonicalRequest = canonicalRequest(request, auth.signedHeaders(), payloadHash);
    String stringToSign = AuthorizationHeader.ALGORITHM + "\n" + amzDate.strip() + "\n" + auth.scope() + "\n"
        + SigningKeys.sha256Hex(canonicalRequest.getBytes(StandardCharsets.UTF_8));
    byte[] key = SigningKeys.signingKey(credentials.secretAccessKey(), auth.date(), region, service);
    byte[] expected = HexFormat.of().formatHex(SigningKeys.hmac(key, stringToSign)).getBytes(StandardCharsets.UTF_8);
    // Constant-time comparison: no timing side channel on how many leading characters matched.
    if (!MessageDigest.isEqual(expected, auth.signature().getBytes(StandardCharsets.UTF_8))) {
      return Verification.rejected(
          Reason.SIGNATURE_MISMATCH,
          "The request signature we calculated does not match the signature you provided. Check your AWS Secret "
              + "Access Key and signing method. Consult the service documentation for details.");
    }
    return Verification.accepted();
  }

  /** The canonical request as AWS's documentation defines it, rebuilt from the received request. */
  String canonicalRequest(ReceivedRequest request, List<String> signedHeaders, String payloadHash) {
    return request.method() + "\n"
        + Canonicalizer.canonicalUri(request.rawPath(), s3Rules) + "\n"
        + Canonicalizer.canonicalQuery(request.rawQuery()) + "\n"
        + Canonicalizer.canonicalHeaders(headerMap(request, signedHeaders), signedHeaders) + "\n"
        + String.join(";", signedHeaders) + "\n"
        + payloadHash;
  }

  private static Map<String, List<String>> headerMap(ReceivedRequest request, List<String> names) {
    Map<String, List<String>> map = new HashMap<>();
    for (String name : names) {
      map.put(name, request.headerValues(name));
    }
    return map;
  }

  private Verification checkScope(AuthorizationHeader auth, String amzDate) {
    if (!auth.date().equals(amzDate.substring(0, 8))) {
      return Verification.rejected(
          Reason.WRONG_CREDENTIAL_SCOPE,
          "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + auth.date()
              + "' != '" + amzDate.substring(0, 8) + "', from '" + amzDate + "'.");
    }
    if (!auth.region().equals(region)) {
      return Verification.rejected(
          Reason.WRONG_CREDENTIAL_SCOPE,
          "Credential should be scoped to a valid region, not '" + auth.region() + "'. Expected '" + region + "'.");
    }
    if (!auth.service().equals(service)) {
      return Verification.rejected(
          Reason.WRONG_CREDENTIAL_SCOPE, "Credential should be scoped to correct service: '" + service + "'.");
    }
    if (!auth.terminator().equals("aws4_request")) {
      return Verification.rejected(
          Reason.WRONG_CREDENTIAL_SCOPE,
          "Credential should be scoped with a valid terminator: 'aws4_request', not '" + auth.terminator() + "'.");
    }
    return Verification.accepted();
  }

  private Verification checkToken(ReceivedRequest request) {
    String received = request.header("x-amz-security-token");
    String configured = credentials.sessionToken();
    if (received == null && configured == null) {
      return Verification.accepted();
    }
    if (received != null && configured != null
        && MessageDigest.isEqual(
            received.strip().getBytes(StandardCharsets.UTF_8), configured.getBytes(StandardCharsets.UTF_8))) {
      return Verification.accepted();
    }
    return Verification.rejected(
        Reason.INVALID_SECURITY_TOKEN, "The security token included in the request is invalid.");
  }

  private static Verification checkSignedHeaders(List<String> signed, ReceivedRequest request) {
    if (!signed.contains("host")) {
      return Verification.rejected(
          Reason.INCOMPLETE_SIGNATURE, "'Host' must be a signed header (SignedHeaders=" + String.join(";", signed)
              + ").");
    }
    for (int i = 0; i < signed.size(); i++) {
      String name = signed.get(i);
      if (name.isEmpty() || !name.equals(name.toLowerCase(Locale.ROOT))
          || (i > 0 && signed.get(i - 1).compareTo(name) >= 0)) {
        return Verification.rejected(
            Reason.INCOMPLETE_SIGNATURE, "SignedHeaders must be lower-case, sorted and unique: " + signed);
      }
      if (request.headerValues(name).isEmpty()) {
        return Verification.rejected(
            Reason.SIGNATURE_MISMATCH, "Signed header '" + name + "' is not present in the request.");
      }
    }
    return Verification.accepted();
  }
}
