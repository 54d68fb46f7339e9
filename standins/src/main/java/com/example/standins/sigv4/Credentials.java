package com.example.standins.sigv4;

import static java.util.Objects.requireNonNull;

/**
 * The one key pair (and optional session token) a stand-in accepts. Only fake, documented example credentials are ever
 * configured: the stand-ins never see real AWS keys.
 */
public record Credentials(String accessKeyId, String secretAccessKey, String sessionToken) {

  /** AWS's published documentation example pair; obviously fake, used by every local test. */
  public static final Credentials EXAMPLE =
      new Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", null);

  public Credentials {
    requireNonNull(accessKeyId, "accessKeyId");
    requireNonNull(secretAccessKey, "secretAccessKey");
    if (sessionToken != null && sessionToken.isEmpty()) {
      sessionToken = null;
    }
  }

  public static Credentials of(String accessKeyId, String secretAccessKey) {
    return new Credentials(accessKeyId, secretAccessKey, null);
  }

  public Credentials withSessionToken(String token) {
    return new Credentials(accessKeyId, secretAccessKey, token);
  }

  @Override
  public String toString() {
    return "Credentials{accessKeyId=" + accessKeyId + ", sessionToken=" + (sessionToken != null) + "}";
  }
}
