package com.example.ecsotel;

import com.example.ecsotel.aws.S3Buckets;
import com.example.ecsotel.config.AppConfig;
import com.example.ecsotel.config.ShutdownBudget;
import com.example.ecsotel.http.AppServer;
import com.example.ecsotel.http.AwsSdkEndpoint;
import com.example.ecsotel.http.OrdersEndpoint;
import com.example.ecsotel.http.OutgoingHttp;
import com.example.ecsotel.http.Response;
import com.example.ecsotel.http.Router;
import com.example.ecsotel.http.SpecEndpoints;
import com.example.ecsotel.telemetry.SampleAppMetrics;
import com.example.ecsotel.telemetry.Telemetry;
import io.opentelemetry.api.OpenTelemetry;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * The running application: routes, handlers, server and telemetry wired together. Main and the
 * tests build it the same way; tests only swap the exporters inside {@link Telemetry}.
 */
public final class SampleApp {
  private static final Logger logger = LoggerFactory.getLogger(SampleApp.class);

  private final AppConfig config;
  private final Telemetry telemetry;
  private final SampleAppMetrics metrics;
  private final S3Buckets s3;
  private final OutgoingHttp outgoing;
  private final AppServer server;
  private final AtomicBoolean stopped = new AtomicBoolean();

  private SampleApp(
      AppConfig config, Telemetry telemetry, SampleAppMetrics metrics, S3Buckets s3, OutgoingHttp outgoing,
      AppServer server) {
    this.config = config;
    this.telemetry = telemetry;
    this.metrics = metrics;
    this.s3 = s3;
    this.outgoing = outgoing;
    this.server = server;
  }

  public static SampleApp start(AppConfig config, Telemetry telemetry) throws IOException {
    OpenTelemetry otel = telemetry.openTelemetry();
    return start(config, telemetry, S3Buckets.create(otel, config.awsRegion(), config.s3Endpoint()));
  }

  public static SampleApp start(AppConfig config, Telemetry telemetry, AwsCredentialsProvider credentials)
      throws IOException {
    OpenTelemetry otel = telemetry.openTelemetry();
    return start(config, telemetry, S3Buckets.create(otel, config.awsRegion(), config.s3Endpoint(), credentials));
  }

  /** As {@link #start(AppConfig, Telemetry, AwsCredentialsProvider)}, every access-log line to {@code accessLogOut}. */
  static SampleApp start(AppConfig config, Telemetry telemetry, AwsCredentialsProvider credentials,
      PrintStream accessLogOut) throws IOException {
    OpenTelemetry otel = telemetry.openTelemetry();
    return start(config, telemetry, S3Buckets.create(otel, config.awsRegion(), config.s3Endpoint(), credentials),
        Objects.requireNonNull(accessLogOut, "accessLogOut"));
  }

  private static SampleApp start(AppConfig config, Telemetry telemetry, S3Buckets s3) throws IOException {
    return start(config, telemetry, s3, null);
  }

  private static SampleApp start(AppConfig config, Telemetry telemetry, S3Buckets s3, PrintStream accessLogOut)
      throws IOException {
    Objects.requireNonNull(config, "config");
    OpenTelemetry otel = telemetry.openTelemetry();
    SampleAppMetrics metrics = SampleAppMetrics.create(otel, telemetry.enabled());
    OutgoingHttp outgoing = new OutgoingHttp(otel, config.outgoingTimeout(), telemetry.enabled());
    Router router = routes(config, otel, s3, outgoing);
    AppServer server =
        AppServer.start(
            new InetSocketAddress(config.bindAddress(), config.port()),
            router,
            otel,
            metrics,
            config.maxConcurrentRequests(),
            config.rejectInvalidTraceHeaders(),
            telemetry.enabled(),
            accessLogOut);
    return new SampleApp(config, telemetry, metrics, s3, outgoing, server);
  }

  static Router routes(AppConfig config, OpenTelemetry otel, S3Buckets s3, OutgoingHttp http) {
    SpecEndpoints spec = new SpecEndpoints(otel, http, config.outgoingHttpUrl(), config.peers());
    OrdersEndpoint orders = new OrdersEndpoint(otel, config.ordersLatency(), config.ordersErrorRate());
    AwsSdkEndpoint aws = new AwsSdkEndpoint(otel, s3);
    return new Router()
        .get("/", spec::root)
        // Container health probes hit this every few seconds: no span, no metric, no log line.
        .add(new Router.Route("GET", "/health", request -> Response.ok(Map.of("status", "ok")), false))
        .get("/outgoing-http-call", spec::outgoingHttpCall)
        .get("/aws-sdk-call", aws::listBuckets)
        .get("/outgoing-sampleapp", spec::outgoingSampleApp)
        .get("/orders/{id}", orders::get);
  }

  public int port() {
    return server.port();
  }

  public Telemetry telemetry() {
    return telemetry;
  }

  OutgoingHttp outgoingHttp() {
    return outgoing;
  }

  /**
   * The SIGTERM path, inside one {@link ShutdownBudget}: stop accepting, let in-flight requests finish within the
   * grace period, close the clients, flush and shut down the SDK with what the budget leaves, then write the access
   * log's last lines (bounded, from the margin). Idempotent.
   */
  public boolean shutdown() {
    if (!stopped.compareAndSet(false, true)) {
      return true;
    }
    long start = System.nanoTime();
    var budget = config.shutdownBudget();
    server.stop(budget.grace(), budget.executorWait());
    long drained = System.nanoTime();
    outgoing.close();
    s3.close();
    // Bounded: with the collector gone, exporters give up after this instead of retrying on.
    boolean flushed = telemetry.shutdown(budget.telemetryFlush());
    metrics.close(); // after the SDK's final collection, which still reads these callbacks
    long telemetryDone = System.nanoTime();
    // After the flush, bounded, never blocking on stdout itself: a blocked stdout costs log lines, not spans.
    int unwritten = server.closeAccessLog(ShutdownBudget.ACCESS_LOG_CLOSE);
    logger.info(
        "server drained in {} ms, telemetry {} in {} ms, access log {}",
        (drained - start) / 1_000_000,
        flushed ? "flushed" : "NOT fully flushed",
        (telemetryDone - drained) / 1_000_000,
        unwritten == 0 ? "written" : unwritten + " lines NOT written (stdout blocked)");
    return flushed;
  }
}
