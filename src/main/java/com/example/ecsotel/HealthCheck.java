package com.example.ecsotel;

import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * Container health probe for images without curl:
 * {@code java -cp /app/sample-app.jar com.example.ecsotel.HealthCheck}. Exits 0 when
 * {@code GET http://127.0.0.1:$PORT/health} answers 200 within two seconds, else 1. JDK only.
 */
public final class HealthCheck {
  private HealthCheck() {}

  public static void main(String[] args) {
    System.exit(check(System.getenv("PORT")) ? 0 : 1);
  }

  static boolean check(String portValue) {
    try {
      int port = portValue == null || portValue.isBlank() ? 8080 : Integer.parseInt(portValue.trim());
      HttpURLConnection connection =
          (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/health").toURL().openConnection();
      connection.setConnectTimeout(2000);
      connection.setReadTimeout(2000);
      try (InputStream ignored = connection.getInputStream()) {
        return connection.getResponseCode() == 200;
      } finally {
        connection.disconnect();
      }
    } catch (Exception e) {
      return false;
    }
  }
}
