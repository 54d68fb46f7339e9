package com.example.standins;

import static java.util.Objects.requireNonNull;

import com.example.standins.sigv4.Verification;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response plus the outcome key it is counted and logged under ("accepted", a SigV4 {@code Reason}, or a
 * validation failure name).
 */
public record Reply(int status, Map<String, String> headers, byte[] body, String outcome, String detail) {
  public static final ObjectMapper JSON = new ObjectMapper();
  public static final String ACCEPTED = "accepted";

  public Reply {
    requireNonNull(headers, "headers");
    requireNonNull(body, "body");
    requireNonNull(outcome, "outcome");
    detail = detail == null ? "" : detail;
  }

  public static Reply json(int status, Object value) {
    try {
      return new Reply(
          status, Map.of("Content-Type", "application/json"), JSON.writeValueAsBytes(value), ACCEPTED, "");
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static Reply bytes(int status, String contentType, byte[] body) {
    return new Reply(status, Map.of("Content-Type", contentType), body, ACCEPTED, "");
  }

  public static Reply xml(int status, String xml) {
    return bytes(status, "application/xml", xml.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The error shape of AWS JSON services (X-Ray, AMP): the error type in {@code x-amzn-ErrorType}, the message in a
   * JSON body, as the AWS SDKs and CLI parse it.
   */
  public static Reply awsJsonError(int status, String errorType, String message, String outcome) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("x-amzn-ErrorType", errorType);
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(Map.of("message", message));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return new Reply(status, headers, body, outcome, errorType + ": " + message);
  }

  /** A rejected SigV4 verification in the AWS JSON services' shape. */
  public static Reply signatureError(Verification verification) {
    return switch (verification.reason()) {
      case MISSING_AUTHENTICATION ->
          awsJsonError(403, "MissingAuthenticationTokenException", verification.message(), outcomeOf(verification));
      case INCOMPLETE_SIGNATURE ->
          awsJsonError(400, "IncompleteSignatureException", verification.message(), outcomeOf(verification));
      case UNKNOWN_ACCESS_KEY, INVALID_SECURITY_TOKEN ->
          awsJsonError(403, "UnrecognizedClientException", verification.message(), outcomeOf(verification));
      default -> awsJsonError(403, "InvalidSignatureException", verification.message(), outcomeOf(verification));
    };
  }

  private static String outcomeOf(Verification verification) {
    return "sigv4." + verification.reason().name();
  }

  /** Same reply counted under another outcome key. */
  public Reply withOutcome(String newOutcome, String newDetail) {
    return new Reply(status, headers, body, newOutcome, newDetail);
  }
}
