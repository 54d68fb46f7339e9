package com.example.ecsotel;

import com.example.ecsotel.config.AppConfig;
import com.example.ecsotel.telemetry.Telemetry;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SpanProcessor;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The real app, built exactly as Main builds it, but bound to 127.0.0.1:0 and with in-memory
 * exporters injected into the Telemetry wiring (every OTLP exporter turned off).
 */
public final class TestApp implements AutoCloseable {
  static final StaticCredentialsProvider FAKE_CREDENTIALS =
      StaticCredentialsProvider.create(
          AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));

  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final SampleApp app;
  final InMemoryMetricReader metrics;

  private TestApp(SampleApp app, InMemoryMetricReader metrics) {
    this.app = app;
    this.metrics = metrics;
  }

  /** Builder-style options for one test app. */
  public static final class Options {
    final Map<String, String> env = new HashMap<>();
    final Map<String, String> otel = new HashMap<>();
    SpanProcessor spanProcessor;
    InMemorySpanExporter spans;
    boolean runtimeMetrics = false;
    PrintStream accessLog; // null: stdout at the request logger's level (warn in tests: off)

    public Options() {
      env.put("PORT", "0");
      env.put("BIND_ADDRESS", "127.0.0.1");
      env.put("ORDERS_LATENCY_MS", "0");
      env.put("SHUTDOWN_GRACE_SECONDS", "2");
      // Loopback only: nothing in a test may reach the internet or a real sidecar.
      env.put("OUTGOING_HTTP_URL", "http://127.0.0.1:9/unused");
      env.put("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9");
      env.put("XRAY_SAMPLING_ENDPOINT", "http://127.0.0.1:9");
      otel.put("otel.traces.exporter", "none");
      otel.put("otel.metrics.exporter", "none");
      otel.put("otel.logs.exporter", "none");
      otel.put("otel.traces.sampler", "always_on");
    }

    public Options env(String key, String value) {
      env.put(key, value);
      return this;
    }

    public Options otel(String key, String value) {
      otel.put(key, value);
      return this;
    }

    /** Removes an SDK property so the app's own default applies (e.g. the X-Ray sampler). */
    public Options unsetOtel(String key) {
      otel.remove(key);
      return this;
    }

    public Options spans(InMemorySpanExporter exporter) {
      this.spans = exporter;
      return this;
    }

    public Options spanProcessor(SpanProcessor processor) {
      this.spanProcessor = processor;
      return this;
    }

    public Options runtimeMetrics(boolean enabled) {
      this.runtimeMetrics = enabled;
      return this;
    }

    /** Every request's access-log line to {@code out}, whatever the log level. */
    public Options accessLog(PrintStream out) {
      this.accessLog = out;
      return this;
    }

    public TestApp start() throws IOException {
      AppConfig config = AppConfig.fromEnv(env);
      InMemoryMetricReader reader = InMemoryMetricReader.create();
      Telemetry.Builder telemetry =
          Telemetry.builder(config.telemetry()).addMetricReader(reader).runtimeMetrics(runtimeMetrics);
      otel.forEach(telemetry::property);
      if (spanProcessor != null) {
        telemetry.addSpanProcessor(spanProcessor);
      } else if (spans != null) {
        telemetry.addSpanProcessor(SimpleSpanProcessor.create(spans));
      }
      SampleApp app = accessLog == null
          ? SampleApp.start(config, telemetry.build(), FAKE_CREDENTIALS)
          : SampleApp.start(config, telemetry.build(), FAKE_CREDENTIALS, accessLog);
      return new TestApp(app, reader);
    }
  }

  public static Options options() {
    return new Options();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + app.port() + path);
  }

  public HttpResponse<String> get(String path, String... headers) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET();
    if (headers.length > 0) {
      request.headers(headers);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Sends a body-less request with any method. */
  public static HttpResponse<String> send(URI uri, String method) throws IOException, InterruptedException {
    HttpRequest request =
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).method(method, HttpRequest.BodyPublishers.noBody()).build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }

  public static List<SpanData> spansNamed(InMemorySpanExporter exporter, String name) {
    return exporter.getFinishedSpanItems().stream().filter(s -> s.getName().equals(name)).toList();
  }

  /**
   * The single finished span with this name. Waits (bounded) for it: the server span ends just
   * after the response bytes are written, so the client can see the response first.
   */
  public static SpanData onlySpan(InMemorySpanExporter exporter, String name) {
    List<SpanData> found = awaitSpans(exporter, name, 1);
    if (found.size() != 1) {
      throw new AssertionError("expected one span named " + name + " but got " + exporter.getFinishedSpanItems());
    }
    return found.get(0);
  }

  /** Waits up to 10 s for at least {@code count} spans with this name; returns what is there. */
  public static List<SpanData> awaitSpans(InMemorySpanExporter exporter, String name, int count) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    List<SpanData> found = spansNamed(exporter, name);
    while (found.size() < count && System.nanoTime() < deadline) {
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      found = spansNamed(exporter, name);
    }
    return found;
  }

  /** Waits up to 10 s for a condition on asynchronously recorded telemetry. */
  public static void awaitSpansOrMetrics(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  @Override
  public void close() {
    app.shutdown();
  }
}
