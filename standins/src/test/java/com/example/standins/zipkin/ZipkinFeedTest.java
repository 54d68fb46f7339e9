package com.example.standins.zipkin;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.standins.xray.SegmentStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The feed against a loopback HTTP endpoint that records what a Zipkin server would receive at /api/v2/spans. */
class ZipkinFeedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "1-6b0d9e40-02df9d7d705f95bf39bcf98d";

  private HttpServer zipkin;
  private final List<JsonNode> received = Collections.synchronizedList(new ArrayList<>());
  private final List<String> paths = Collections.synchronizedList(new ArrayList<>());

  @BeforeEach
  void startRecorder() throws Exception {
    zipkin = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    zipkin.createContext("/", exchange -> {
      paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
      boolean gzip = "gzip".equals(exchange.getRequestHeaders().getFirst("Content-Encoding"));
      JSON.readTree(gzip ? new GZIPInputStream(exchange.getRequestBody()) : exchange.getRequestBody())
          .forEach(received::add);
      exchange.sendResponseHeaders(202, -1);
      exchange.close();
    });
    zipkin.start();
  }

  @AfterEach
  void stopRecorder() {
    zipkin.stop(0);
  }

  private static String doc(String json) {
    return json.replace('\'', '"');
  }

  @Test
  void subsegmentSentBeforeItsSegmentGetsTheSegmentsService() throws Exception {
    SegmentStore store = SegmentStore.create(100);
    URI url = URI.create("http://127.0.0.1:" + zipkin.getAddress().getPort());
    try (ZipkinFeed feed = ZipkinFeed.start(url, store, Clock.systemUTC())) {
      String child = doc("{'name':'S3','id':'3c289bab0055f73b','trace_id':'" + TRACE + "','parent_id':'ee75f6b29372f151',"
          + "'type':'subsegment','namespace':'aws','start_time':2.0,'end_time':2.1,'aws':{'operation':'ListBuckets'}}");
      String internal = doc("{'name':'get-aws-s3-buckets','id':'ee75f6b29372f151','trace_id':'" + TRACE + "',"
          + "'parent_id':'d563cd281adc8a24','type':'subsegment','start_time':1.9,'end_time':2.2}");
      String segment = doc("{'name':'sample-app','id':'d563cd281adc8a24','trace_id':'" + TRACE + "',"
          + "'start_time':1.8,'end_time':2.3}");
      // The exporter sends children first: the feed must wait for the segment to name the service.
      store.add(child, JSON.readTree(child));
      store.add(internal, JSON.readTree(internal));
      assertThat(feed.owningService(store.find(TRACE, "3c289bab0055f73b").orElseThrow())).isEmpty();
      store.add(segment, JSON.readTree(segment));

      for (int i = 0; i < 50 && received.size() < 3; i++) {
        feed.flush();
        TimeUnit.MILLISECONDS.sleep(100);
      }
    }
    assertThat(paths).allMatch(p -> p.equals("POST /api/v2/spans"));
    assertThat(received).extracting(s -> s.path("id").asText())
        .containsExactlyInAnyOrder("3c289bab0055f73b", "ee75f6b29372f151", "d563cd281adc8a24");
    assertThat(received).extracting(s -> s.path("localEndpoint").path("serviceName").asText())
        .containsOnly("sample-app");
    assertThat(received).extracting(s -> s.path("traceId").asText()).containsOnly("6b0d9e4002df9d7d705f95bf39bcf98d");
  }

  @Test
  void aDeadZipkinNeverFailsTheStore() throws Exception {
    SegmentStore store = SegmentStore.create(100);
    int closedPort = zipkin.getAddress().getPort();
    zipkin.stop(0);
    try (ZipkinFeed feed = ZipkinFeed.start(URI.create("http://127.0.0.1:" + closedPort), store, Clock.systemUTC())) {
      String segment = doc("{'name':'sample-app','id':'d563cd281adc8a24','trace_id':'" + TRACE + "','start_time':1,'end_time':2}");
      store.add(segment, JSON.readTree(segment));
      feed.flush();
    }
    assertThat(store.all()).hasSize(1);
  }
}
