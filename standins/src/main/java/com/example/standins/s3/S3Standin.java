package com.example.standins.s3;

import static java.util.Objects.requireNonNull;

import com.example.standins.Reply;
import com.example.standins.Request;
import com.example.standins.Standin;
import com.example.standins.admin.StandinStats;
import com.example.standins.sigv4.SigV4Verifier;
import com.example.standins.sigv4.Verification;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Amazon S3 stand-in for the one call the sample app makes: ListBuckets ({@code GET /}, path-style), SigV4 with S3's
 * rules (no double encoding, x-amz-content-sha256 required), errors in S3's XML shape.
 */
public final class S3Standin implements Standin {
  private static final String OWNER_ID = "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";

  private final SigV4Verifier verifier;
  private final List<String> buckets;
  private final Instant created = Instant.parse("2026-01-01T00:00:00Z");

  private S3Standin(SigV4Verifier verifier, List<String> buckets) {
    this.verifier = verifier;
    this.buckets = buckets;
  }

  public static S3Standin create(SigV4Verifier verifier, List<String> buckets) {
    if (!requireNonNull(verifier, "verifier").service().equals("s3")) {
      throw new IllegalArgumentException("S3 requests are signed for service 's3'");
    }
    return new S3Standin(verifier, List.copyOf(buckets));
  }

  @Override
  public String name() {
    return "s3";
  }

  @Override
  public Reply handle(Request request, StandinStats stats) {
    Verification verification = verifier.verify(request.received());
    if (!verification.isAccepted()) {
      return signatureError(verification);
    }
    if (!request.rawPath().equals("/")) {
      return error(404, "NoSuchBucket", "The specified bucket does not exist", "s3.no_such_bucket");
    }
    if (!request.method().equals("GET")) {
      return error(405, "MethodNotAllowed", "The specified method is not allowed against this resource.",
          "method_not_allowed");
    }
    StringBuilder xml = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append("<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">")
        .append("<Owner><ID>").append(OWNER_ID).append("</ID><DisplayName>standin</DisplayName></Owner><Buckets>");
    for (String bucket : buckets) {
      xml.append("<Bucket><Name>").append(bucket).append("</Name><CreationDate>").append(created)
          .append("</CreationDate></Bucket>");
    }
    xml.append("</Buckets></ListAllMyBucketsResult>");
    return Reply.xml(200, xml.toString()).withOutcome(Reply.ACCEPTED, buckets.size() + " buckets");
  }

  /** S3 speaks XML errors with its own codes, not the JSON services' exception names. */
  static Reply signatureError(Verification v) {
    String outcome = "sigv4." + v.reason().name();
    return switch (v.reason()) {
      case MISSING_AUTHENTICATION -> error(403, "AccessDenied", "Access Denied", outcome);
      case UNKNOWN_ACCESS_KEY -> error(403, "InvalidAccessKeyId",
          "The AWS Access Key Id you provided does not exist in our records.", outcome);
      case INVALID_SECURITY_TOKEN -> error(400, "InvalidToken",
          "The provided token is malformed or otherwise invalid.", outcome);
      case INCOMPLETE_SIGNATURE, WRONG_CREDENTIAL_SCOPE -> error(400, "AuthorizationHeaderMalformed", v.message(),
          outcome);
      case CLOCK_SKEW -> error(403, "RequestTimeTooSkewed",
          "The difference between the request time and the current time is too large.", outcome);
      case MISSING_CONTENT_SHA256 -> error(400, "InvalidRequest", v.message(), outcome);
      case PAYLOAD_HASH_MISMATCH -> error(400, "XAmzContentSHA256Mismatch", v.message(), outcome);
      case SIGNATURE_MISMATCH -> error(403, "SignatureDoesNotMatch", v.message(), outcome);
    };
  }

  static Reply error(int status, String code, String message, String outcome) {
    String requestId = UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase(java.util.Locale.ROOT);
    String xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>"
        + escape(message) + "</Message><RequestId>" + requestId + "</RequestId></Error>";
    return new Reply(status, Map.of("Content-Type", "application/xml", "x-amz-request-id", requestId),
        xml.getBytes(StandardCharsets.UTF_8), outcome, code + ": " + message);
  }

  private static String escape(String text) {
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }

  @Override
  public Reply faultReply(int status) {
    return status == 429
        ? error(503, "SlowDown", "Please reduce your request rate. (injected fault)", "fault.429")
        : error(503, "ServiceUnavailable", "Service unavailable (injected fault)", "fault.503");
  }
}
