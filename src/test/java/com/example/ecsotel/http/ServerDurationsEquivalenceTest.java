package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.internal.InstrumenterUtil;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerAttributesExtractor;
import io.opentelemetry.instrumentation.api.semconv.http.HttpServerMetrics;
import io.opentelemetry.instrumentation.api.semconv.http.HttpSpanNameExtractor;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import java.io.IOException;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * {@link ServerDurations} records what instrumentation-api's own HttpServerMetrics records for the same requests:
 * the same metric (name, unit, description, scope, buckets) and the same series with the same counts and sums,
 * for known, unknown and lower-case methods, matched and unmatched routes, success, client and server errors,
 * statuses out of range and none, exceptions (wrapped too), other protocol versions, schemes forwarded by a proxy
 * (Forwarded, X-Forwarded-Proto), and more distinct series than it caches. The reference is the server
 * Instrumenter as HttpTelemetry built it before, with {@code addOperationMetrics(HttpServerMetrics.get())}; both
 * see the same start and end times.
 */
class ServerDurationsEquivalenceTest {
  private static final String[] METHODS = {"GET", "POST", "HEAD", "PROPFIND", "get"};
  private static final String[] ROUTES = {"/orders/{id}", null};
  private static final int[] STATUSES = {200, 302, 404, 499, 500, 503, 600, 99, 0};
  private static final String[] PROTOCOLS = {"HTTP/1.1", "HTTP/1.0", "HTTP/2", "h2c"};
  private static final String[][] FORWARDED = {{}, {"X-Forwarded-Proto", "https"}, {"Forwarded", "proto=https"},
      {"Forwarded", "for=203.0.113.7;proto=\"https\""}, {"X-Forwarded-Proto", ""}};
  private static final Throwable[] ERRORS = {null, new IOException("client went away"),
      new ExecutionException(new IllegalStateException("wrapped"))};

  @Test
  void recordsTheSeriesCountsAndSumsOfTheLibrarysHttpServerMetrics() {
    InMemoryMetricReader libraryReader = InMemoryMetricReader.create();
    InMemoryMetricReader oursReader = InMemoryMetricReader.create();
    try (OpenTelemetrySdk library = sdk(libraryReader); OpenTelemetrySdk ours = sdk(oursReader)) {
      ServerAttributesGetter getter = ServerAttributesGetter.INSTANCE;
      Instrumenter<ServerRequest, Integer> reference =
          Instrumenter.<ServerRequest, Integer>builder(
                  library, HttpTelemetry.INSTRUMENTATION_NAME, HttpSpanNameExtractor.create(getter))
              .addAttributesExtractor(HttpServerAttributesExtractor.create(getter))
              .addOperationMetrics(HttpServerMetrics.get())
              .buildServerInstrumenter(getter);
      Instrumenter<ServerRequest, Integer> instrumenter = HttpTelemetry.server(ours, true);

      List<Object[]> cases = new ArrayList<>();
      for (String method : METHODS) {
        for (String route : ROUTES) {
          for (int status : STATUSES) {
            for (String protocol : PROTOCOLS) {
              for (String[] forwarded : FORWARDED) {
                cases.add(new Object[] {method, route, status, protocol, forwarded, ERRORS[cases.size() % 3]});
              }
            }
          }
        }
      }
      for (int i = 0; i < 1_100; i++) { // more distinct series than ServerDurations caches
        cases.add(new Object[] {"GET", "/orders/{id}", 200, "HTTP/1." + (10 + i), FORWARDED[0], null});
      }
      Instant start = Instant.parse("2026-12-07T00:00:00Z");
      for (int i = 0; i < cases.size(); i++) {
        Object[] c = cases.get(i);
        ServerRequest request = request((String) c[0], (String) c[1], (String) c[3], (String[]) c[4]);
        Instant end = start.plusMillis(1 + i % 3000);
        for (Instrumenter<ServerRequest, Integer> each : List.of(reference, instrumenter)) {
          InstrumenterUtil.startAndEnd(each, Context.root(), request, (Integer) c[2], (Throwable) c[5], start, end);
        }
      }

      MetricData expected = duration(libraryReader);
      MetricData actual = duration(oursReader);
      assertThat(actual.getUnit()).isEqualTo(expected.getUnit());
      assertThat(actual.getDescription()).isEqualTo(expected.getDescription());
      assertThat(actual.getInstrumentationScopeInfo()).isEqualTo(expected.getInstrumentationScopeInfo());
      assertThat(boundaries(actual)).isEqualTo(boundaries(expected)).isNotEmpty();
      Map<String, String> expectedSeries = series(expected);
      assertThat(expectedSeries.size()).as("the cases make many series").isGreaterThan(1_400);
      assertThat(expectedSeries.keySet()).as("a forwarded scheme").anyMatch(k -> k.contains("url.scheme:STRING=https"));
      assertThat(expectedSeries.keySet()).as("an unwrapped exception")
          .anyMatch(k -> k.contains("error.type:STRING=java.lang.IllegalStateException"));
      Map<String, String> actualSeries = series(actual);
      // Only the differences, so a failure names the series instead of printing all of them.
      Map<String, String> differences = new TreeMap<>();
      for (String key : union(expectedSeries.keySet(), actualSeries.keySet())) {
        if (!Objects.equals(expectedSeries.get(key), actualSeries.get(key))) {
          differences.put(key, "library " + expectedSeries.get(key) + ", ours " + actualSeries.get(key));
        }
      }
      assertThat(differences).isEmpty();
    }
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static OpenTelemetrySdk sdk(InMemoryMetricReader reader) {
    return OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(reader).build())
        .setTracerProvider(SdkTracerProvider.builder().setSampler(Sampler.alwaysOff()).build())
        .build();
  }

  private static ServerRequest request(String method, String route, String protocol, String[] forwarded) {
    URI uri = URI.create(route == null ? "/nowhere?x=1" : route.replace("{id}", "42"));
    Headers headers = new Headers();
    headers.add("Host", "127.0.0.1:8080");
    headers.add("User-Agent", "curl/8");
    if (forwarded.length == 2) {
      headers.add(forwarded[0], forwarded[1]);
    }
    RequestHead head = RequestHead.read(new FakeExchange(method, uri, headers, protocol));
    return new ServerRequest(head, route, TraceHeaders.ALL_HIDDEN);
  }

  private static MetricData duration(InMemoryMetricReader reader) {
    return reader.collectAllMetrics().stream()
        .filter(m -> m.getName().equals(ServerDurations.NAME))
        .findFirst()
        .orElseThrow();
  }

  private static List<Double> boundaries(MetricData metric) {
    return metric.getHistogramData().getPoints().iterator().next().getBoundaries();
  }

  /** Each series' attributes (in key order) to its count, sum and bucket counts. */
  private static Map<String, String> series(MetricData metric) {
    Map<String, String> series = new TreeMap<>();
    for (HistogramPointData point : metric.getHistogramData().getPoints()) {
      series.put(render(point.getAttributes()),
          point.getCount() + " " + point.getSum() + " " + point.getCounts());
    }
    return series;
  }

  private static String render(Attributes attributes) {
    Map<String, Object> sorted = new TreeMap<>();
    attributes.forEach((key, value) -> sorted.put(key.getKey() + ":" + key.getType(), value));
    return sorted.toString();
  }
}
