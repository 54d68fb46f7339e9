package com.example.standins.sigv4;

/** Why a request was rejected; the names are the keys of the stand-ins' rejection counters. */
public enum Reason {
  MISSING_AUTHENTICATION,
  INCOMPLETE_SIGNATURE,
  UNKNOWN_ACCESS_KEY,
  INVALID_SECURITY_TOKEN,
  WRONG_CREDENTIAL_SCOPE,
  CLOCK_SKEW,
  MISSING_CONTENT_SHA256,
  PAYLOAD_HASH_MISMATCH,
  SIGNATURE_MISMATCH
}
