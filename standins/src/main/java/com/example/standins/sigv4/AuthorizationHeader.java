package com.example.standins.sigv4;

import java.util.List;

/** The parsed parts of an {@code AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...} header. */
record AuthorizationHeader(
    String accessKeyId,
    String date,
    String region,
    String service,
    String terminator,
    List<String> signedHeaders,
    String signature) {

  static final String ALGORITHM = "AWS4-HMAC-SHA256";

  String scope() {
    return date + "/" + region + "/" + service + "/" + terminator;
  }

  /** Parses the header; throws IllegalArgumentException with an AWS-like message when it is malformed. */
  static AuthorizationHeader parse(String value) {
    String trimmed = value.strip();
    if (!trimmed.startsWith(ALGORITHM + " ")) {
      throw new IllegalArgumentException("Unsupported authorization type; only " + ALGORITHM + " is accepted");
    }
    String credential = null;
    String signedHeaders = null;
    String signature = null;
    for (String part : trimmed.substring(ALGORITHM.length()).split(",")) {
      String p = part.strip();
      int eq = p.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("Authorization header key-value pair is malformed: '" + p + "'");
      }
      String key = p.substring(0, eq);
      String val = p.substring(eq + 1);
      switch (key) {
        case "Credential" -> credential = val;
        case "SignedHeaders" -> signedHeaders = val;
        case "Signature" -> signature = val;
        default -> throw new IllegalArgumentException("Unknown Authorization header field: '" + key + "'");
      }
    }
    if (credential == null || signedHeaders == null || signature == null) {
      throw new IllegalArgumentException(
          "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters");
    }
    String[] scope = credential.split("/", -1);
    if (scope.length != 5) {
      throw new IllegalArgumentException(
          "Credential should be of the form <key>/<date>/<region>/<service>/aws4_request, got '" + credential + "'");
    }
    if (!signature.matches("[0-9a-f]{64}")) {
      throw new IllegalArgumentException("Signature must be 64 lower-case hex characters");
    }
    List<String> headers = List.of(signedHeaders.split(";", -1));
    return new AuthorizationHeader(scope[0], scope[1], scope[2], scope[3], scope[4], headers, signature);
  }
}
