import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The AOT cache's training run (JEP 483/514/515), run by the Dockerfile with the image's own JRE:
 *
 * <pre>java aot/AotTraining.java /opt/jre/bin/java /app/sample-app.jar /app/sample-app.aot [rounds]</pre>
 *
 * Starts the app exactly as the image's ENTRYPOINT does (same jar path, so the cache matches) plus
 * {@code -XX:AOTCacheOutput}, with telemetry on, drives every endpoint, then stops it with SIGTERM: the
 * JVM writes the cache (classes loaded and linked, method profiles) as it exits. Loopback only, no
 * collector: OTLP and the X-Ray sampling poller point at 127.0.0.1:1, where nothing listens, so they
 * fail fast and quietly (the app's own rule: telemetry never breaks the service). The outgoing call and
 * the peer call go to the app itself (the hop header ends the chain); S3 goes to a stub here that answers
 * ListBuckets. Fails (exit 1) when an endpoint does not answer as expected, so a broken app cannot ship
 * a cache trained on error paths.
 */
public final class AotTraining {
  private static final String NOWHERE = "http://127.0.0.1:1";
  private static final String LIST_BUCKETS =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListAllMyBucketsResult"
          + " xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>o</ID></Owner><Buckets>"
          + "<Bucket><Name>aot-training</Name><CreationDate>2025-01-01T00:00:00.000Z</CreationDate>"
          + "</Bucket></Buckets></ListAllMyBucketsResult>";

  private AotTraining() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: AotTraining <java> <app.jar> <cache.aot> [rounds]");
      System.exit(2);
    }
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 300;
    HttpServer s3 = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s3.createContext("/", exchange -> {
      byte[] body = LIST_BUCKETS.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/xml");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    s3.start();
    int port = freePort();
    String self = "http://127.0.0.1:" + port;
    Map<String, String> env = new TreeMap<>();
    env.put("PORT", Integer.toString(port));
    env.put("BIND_ADDRESS", "127.0.0.1");
    env.put("AWS_REGION", "us-west-2");
    env.put("AWS_EC2_METADATA_DISABLED", "true");
    // AWS's documentation example keys: the stub does not check them; nothing real is signed.
    env.put("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    env.put("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    env.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:" + s3.getAddress().getPort());
    env.put("OUTGOING_HTTP_URL", self + "/");
    env.put("SAMPLE_APP_PEERS", self);
    env.put("OTEL_EXPORTER_OTLP_ENDPOINT", NOWHERE);
    env.put("XRAY_SAMPLING_ENDPOINT", NOWHERE);
    env.put("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
    env.put("OTEL_SERVICE_NAME", "sample-app");
    env.put("OTEL_METRIC_EXPORT_INTERVAL", "2000");
    env.put("ORDERS_LATENCY_MS", "1");
    env.put("SHUTDOWN_GRACE_SECONDS", "1");
    List<String> command = new ArrayList<>(List.of(args[0],
        // The heap must use compressed oops like every task size does (a cache made with a > 32 GB
        // default heap on a big build machine would not match): a fixed, small heap for training.
        "-Xmx256m", "-XX:-UsePerfData", "-XX:AOTCacheOutput=" + args[2], "-jar", args[1]));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(Path.of(args[2] + ".training.log").toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    Process app = pb.start();
    int failures = 0;
    try {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      waitForHealth(client, self, app);
      // Every endpoint: the paths a deployed task serves (spans, metrics, the SDK call, both HTTP clients).
      Map<String, Integer> expected = Map.of("/", 200, "/health", 200, "/outgoing-http-call", 200,
          "/aws-sdk-call", 200, "/outgoing-sampleapp", 200, "/orders/42", 200, "/orders/bad%20id", 400,
          "/no-such-path", 404);
      for (int i = 0; i < rounds; i++) {
        for (Map.Entry<String, Integer> e : expected.entrySet()) {
          String path = e.getKey().equals("/orders/42") ? "/orders/" + (1 + i % 97) : e.getKey();
          HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(self + path)).timeout(Duration.ofSeconds(10));
          if (i % 2 == 0) {   // half with an incoming X-Ray trace header, like traffic behind an ALB
            req.header("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1");
          }
          int status = client.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
          if (status != e.getValue()) {
            failures++;
            if (failures <= 5) {
              System.err.println("training: " + path + " answered " + status + ", want " + e.getValue());
            }
          }
        }
      }
    } finally {
      app.toHandle().destroy();   // SIGTERM: the app drains, the JVM writes the AOT cache as it exits
      if (!app.waitFor(120, TimeUnit.SECONDS)) {
        app.destroyForcibly();
        failures++;
        System.err.println("training: the app did not exit within 120 s");
      }
      s3.stop(0);
    }
    System.err.println("training: " + rounds + " rounds, app exit " + app.exitValue() + ", " + failures
        + " unexpected statuses (log: " + args[2] + ".training.log)");
    System.exit(failures == 0 && app.exitValue() == 0 ? 0 : 1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void waitForHealth(HttpClient client, String self, Process app) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!app.isAlive()) {
        throw new IllegalStateException("the app exited during training startup: " + app.exitValue());
      }
      try {
        HttpRequest req = HttpRequest.newBuilder(URI.create(self + "/health")).timeout(Duration.ofSeconds(2)).build();
        if (client.send(req, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no 200 from /health within 60 s");
  }
}
