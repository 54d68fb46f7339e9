package com.example.standins.sigv4;

import static java.util.Objects.requireNonNull;

/** Outcome of verifying one request: accepted, or rejected with a reason and the message AWS would give. */
public final class Verification {
  private static final Verification ACCEPTED = new Verification(null, "accepted");

  private final Reason reason;
  private final String message;

  private Verification(Reason reason, String message) {
    this.reason = reason;
    this.message = message;
  }

  public static Verification accepted() {
    return ACCEPTED;
  }

  public static Verification rejected(Reason reason, String message) {
    return new Verification(requireNonNull(reason, "reason"), requireNonNull(message, "message"));
  }

  public boolean isAccepted() {
    return reason == null;
  }

  /** The rejection reason; null when accepted. */
  public Reason reason() {
    return reason;
  }

  public String message() {
    return message;
  }

  @Override
  public String toString() {
    return isAccepted() ? "accepted" : reason + ": " + message;
  }
}
