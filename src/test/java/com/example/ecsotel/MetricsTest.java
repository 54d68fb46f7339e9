package com.example.ecsotel;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.metrics.data.MetricDataType;
import io.opentelemetry.sdk.metrics.data.PointData;
import java.net.http.HttpResponse;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private StubServer upstream;
  private TestApp app;

  @BeforeEach
  void setUp() throws Exception {
    upstream = StubServer.start();
    app =
        TestApp.options()
            .runtimeMetrics(true)
            .env("OUTGOING_HTTP_URL", upstream.uri("/target").toString())
            .start();
  }

  @AfterEach
  void tearDown() {
    app.close();
    upstream.close();
  }

  private Map<String, MetricData> collect() {
    return app.metrics.collectAllMetrics().stream()
        .collect(Collectors.toMap(MetricData::getName, m -> m, (a, b) -> a));
  }

  private static Collection<? extends PointData> points(MetricData metric) {
    return metric.getData().getPoints();
  }

  @Test
  void serverDurationHistogramFollowsHttpSemanticConventions() throws Exception {
    app.get("/orders/3");
    app.get("/orders/3");
    TestApp.awaitSpansOrMetrics(() -> collect().containsKey("http.server.request.duration"));

    MetricData duration = collect().get("http.server.request.duration");
    assertThat(duration.getUnit()).isEqualTo("s");
    assertThat(duration.getType()).isEqualTo(MetricDataType.HISTOGRAM);
    HistogramPointData point = (HistogramPointData) points(duration).iterator().next();
    assertThat(point.getAttributes().asMap())
        .containsEntry(AttributeKey.stringKey("http.request.method"), "GET")
        .containsEntry(AttributeKey.stringKey("http.route"), "/orders/{id}")
        .containsEntry(AttributeKey.longKey("http.response.status_code"), 200L)
        .containsEntry(AttributeKey.stringKey("url.scheme"), "http");
    // The semconv bucket advice for http.server.request.duration, in seconds.
    assertThat(point.getBoundaries())
        .containsExactly(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0);
  }

  @Test
  void outgoingCallsRecordClientDuration() throws Exception {
    assertThat(app.get("/outgoing-http-call").statusCode()).isEqualTo(200);

    MetricData client = collect().get("http.client.request.duration");
    assertThat(client).isNotNull();
    assertThat(client.getUnit()).isEqualTo("s");
    assertThat(points(client).iterator().next().getAttributes().get(AttributeKey.stringKey("server.address")))
        .isEqualTo("127.0.0.1");
  }

  @Test
  void specRequestMetricsCountRequestsBytesAndLatencyPerRouteTemplate() throws Exception {
    long bytes = 0;
    for (int i = 1; i <= 3; i++) {
      HttpResponse<String> response = app.get("/orders/" + i);
      bytes += response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }
    long expectedBytes = bytes;
    TestApp.awaitSpansOrMetrics(() -> requestCount(collect(), "/orders/{id}") == 3);

    Map<String, MetricData> metrics = collect();
    Attributes orders =
        Attributes.builder()
            .put("signal", "metric")
            .put("language", "java")
            .put("metricType", "request")
            .put("apiName", "/orders/{id}")
            .build();
    MetricData requests = metrics.get("total_api_requests");
    assertThat(requests.getUnit()).isEqualTo("1");
    assertThat(requests.getLongSumData().isMonotonic()).isTrue();
    assertThat(requests.getLongSumData().getPoints()).anySatisfy(p -> {
      assertThat(p.getAttributes()).isEqualTo(orders);
      assertThat(p.getValue()).isEqualTo(3);
    });
    MetricData sent = metrics.get("total_bytes_sent");
    assertThat(sent.getUnit()).isEqualTo("By");
    assertThat(sent.getLongSumData().getPoints()).anySatisfy(p -> {
      assertThat(p.getAttributes()).isEqualTo(orders);
      assertThat(p.getValue()).isEqualTo(expectedBytes);
    });
    MetricData latency = metrics.get("latency_time");
    assertThat(latency.getUnit()).isEqualTo("ms");
    assertThat(latency.getHistogramData().getPoints()).anySatisfy(p -> {
      assertThat(p.getAttributes()).isEqualTo(orders);
      assertThat(p.getCount()).isEqualTo(3);
      assertThat(p.getBoundaries()).containsExactly(100.0, 300.0, 500.0);
    });
  }

  private static long requestCount(Map<String, MetricData> metrics, String api) {
    MetricData requests = metrics.get("total_api_requests");
    if (requests == null) {
      return 0;
    }
    return requests.getLongSumData().getPoints().stream()
        .filter(p -> api.equals(p.getAttributes().get(AttributeKey.stringKey("apiName"))))
        .mapToLong(LongPointData::getValue)
        .sum();
  }

  @Test
  void specProcessMetricsAreMeasuredFromTheJvm() throws Exception {
    Map<String, MetricData> metrics = collect();
    Attributes random =
        Attributes.builder().put("signal", "metric").put("language", "java").put("metricType", "random").build();

    MetricData alive = metrics.get("time_alive");
    assertThat(alive.getUnit()).isEqualTo("ms");
    assertThat(alive.getLongSumData().getPoints().iterator().next().getValue()).isPositive();
    MetricData heap = metrics.get("total_heap_size");
    assertThat(heap.getUnit()).isEqualTo("By");
    LongPointData heapPoint = heap.getLongSumData().getPoints().iterator().next();
    assertThat(heapPoint.getAttributes()).isEqualTo(random);
    assertThat(heapPoint.getValue()).isBetween(1L, Runtime.getRuntime().maxMemory());
    MetricData threads = metrics.get("threads_active");
    assertThat(threads.getUnit()).isEqualTo("1");
    assertThat(threads.getLongSumData().isMonotonic()).isFalse();
    assertThat(threads.getLongSumData().getPoints().iterator().next().getValue()).isPositive();
    MetricData cpu = metrics.get("cpu_usage");
    if (cpu != null) { // the JVM reports "not yet available" on its very first CPU sample
      assertThat(cpu.getUnit()).isEqualTo("1");
      assertThat(cpu.getDoubleGaugeData().getPoints().iterator().next().getValue()).isBetween(0.0, 100.0);
    }
    TestApp.awaitSpansOrMetrics(() -> collect().containsKey("cpu_usage"));
    assertThat(collect()).containsKey("cpu_usage");
  }

  @Test
  void jvmRuntimeMetricsComeFromTheRuntimeTelemetryLibrary() {
    assertThat(collect()).containsKeys("jvm.memory.used", "jvm.thread.count", "jvm.class.loaded", "jvm.cpu.time");
  }

  @Test
  void seriesStayBoundedUnderAThousandDistinctUrls() throws Exception {
    for (int i = 0; i < 1000; i++) {
      app.get("/orders/" + (i + 1));
      app.get("/random/path/" + i);
    }
    TestApp.awaitSpansOrMetrics(() -> requestCount(collect(), "unmatched") == 1000);

    Map<String, MetricData> metrics = collect();
    for (String name : List.of("http.server.request.duration", "total_api_requests", "total_bytes_sent", "latency_time")) {
      Collection<? extends PointData> series = points(metrics.get(name));
      // /orders/{id} x {200, 404?} and unmatched: a handful, never ~2000.
      assertThat(series).as(name).hasSizeLessThanOrEqualTo(4);
      for (PointData point : series) {
        assertThat(point.getAttributes().asMap().values())
            .as(name)
            .allSatisfy(v -> assertThat(String.valueOf(v)).doesNotContain("/random/").doesNotMatch(".*/orders/\\d.*"));
      }
    }
    assertThat(requestCount(metrics, "/orders/{id}")).isEqualTo(1000);
  }
}
