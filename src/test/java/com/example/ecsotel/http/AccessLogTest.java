package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;

/**
 * The access log (issue 20, item 4) writes the line slf4j-simple wrote before, character for character, one
 * whole line per request, and none is lost at close, including under many concurrent writers and when the queue
 * is full (the writer then writes its own line).
 */
class AccessLogTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

  private List<String> lines() {
    return bytes.toString(StandardCharsets.UTF_8).lines().toList();
  }

  @Test
  void timestampsAreSimpleLoggerPropertiesDateFormat() throws Exception {
    Properties props = new Properties();
    try (var in = getClass().getResourceAsStream("/simplelogger.properties")) {
      props.load(in);
    }
    TimeZone original = TimeZone.getDefault();
    // UTC as on ECS, and zones with daylight saving (the instants include Berlin's 2024 switch) or odd offsets.
    for (String zone : List.of("UTC", "Europe/Berlin", "America/St_Johns", "Asia/Kolkata")) {
      TimeZone.setDefault(TimeZone.getTimeZone(zone));
      try (AccessLog log = new AccessLog(out, true)) {
        SimpleDateFormat slf4jSimple =
            new SimpleDateFormat(props.getProperty("org.slf4j.simpleLogger.dateTimeFormat"));
        List<Long> instants = new ArrayList<>(List.of(0L, 999L, 1000L, 1_764_979_200_007L, 1_711_846_799_999L,
            1_711_846_800_000L, -1L, System.currentTimeMillis()));
        for (int i = 0; i < 2000; i++) {
          instants.add(ThreadLocalRandom.current().nextLong(0, 4_102_444_800_000L)); // up to 2100
        }
        for (long at : instants) {
          StringBuilder ours = new StringBuilder();
          log.appendTimestamp(ours, at);
          assertThat(ours.toString()).as("%s at %d", zone, at).isEqualTo(slf4jSimple.format(new Date(at)));
        }
      } finally {
        TimeZone.setDefault(original);
      }
    }
  }

  @Test
  void aLineIsWhatSlf4jSimpleWrote() {
    try (AccessLog log = new AccessLog(out, true)) {
      log.log("GET", "/orders/42", "/orders/{id}", 200, 23, 115, "1-6b06e8eb-bf8baac54463ad6901832353", "bae43cb124bf9d7c");
      log.log("POST", "/x", "unmatched", 405, 0, 97, null, null);
    }
    assertThat(lines()).hasSize(2);
    assertThat(lines().get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) "
        + "INFO request - GET /orders/42 route=/orders/\\{id} status=200 duration_ms=23 bytes=115 "
        + "AWS-XRAY-TRACE-ID: 1-6b06e8eb-bf8baac54463ad6901832353@bae43cb124bf9d7c");
    assertThat(lines().get(1)).endsWith(" INFO request - POST /x route=unmatched status=405 duration_ms=0 bytes=97 "
        + "AWS-XRAY-TRACE-ID: -");
  }

  @Test
  void everyLineOfManyConcurrentRequestsIsWrittenWholeByClose() throws Exception {
    int threads = 16;
    int perThread = AccessLog.MAX_QUEUED; // together far over the queue's bound: some write their own line
    try (AccessLog log = new AccessLog(out, true)) {
      List<Thread> started = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        started.add(Thread.ofVirtual().start(() -> {
          for (int i = 0; i < perThread; i++) {
            log.log("GET", "/t" + id + "/" + i, "unmatched", 404, 0, 1, null, null);
          }
        }));
      }
      for (Thread t : started) {
        t.join();
      }
    }
    List<String> lines = lines();
    assertThat(lines).hasSize(threads * perThread);
    assertThat(lines).allSatisfy(l -> assertThat(l).matches(".* INFO request - GET /t\\d+/\\d+ route=unmatched "
        + "status=404 duration_ms=0 bytes=1 AWS-XRAY-TRACE-ID: -"));
    assertThat(lines.stream().map(l -> l.substring(l.indexOf("GET "))).distinct().count())
        .isEqualTo((long) threads * perThread);
  }
}
