import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;

/**
 * The JVM health probe the image ran before /app/healthcheck (com.example.ecsotel.HealthCheck, removed from
 * the app), kept here only so that bench/aot_startup.py --probe can measure what the static probe saves:
 * {@code java -cp DIR JvmHealthProbe}. Exits 0 when
 * {@code GET http://127.0.0.1:$PORT/health} answers 200 within two seconds, else 1. JDK only.
 */
public final class JvmHealthProbe {
  private JvmHealthProbe() {}

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
