package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.example.ecsotel.BlockingStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.text.SimpleDateFormat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The access log (issue 20, item 4) writes the line slf4j-simple wrote before, character for character, one
 * whole line per request, and none is lost at close, including under many concurrent writers and when the queue
 * is full (the writer then writes its own line).
 */
class AccessLogTest {
  private static final Duration CLOSE = Duration.ofSeconds(30); // generous: the machine's cores are shared
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
      AccessLog log = new AccessLog(out, true);
      try {
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
        log.close(CLOSE);
        TimeZone.setDefault(original);
      }
    }
  }

  @Test
  void aLineIsWhatSlf4jSimpleWrote() {
    AccessLog log = new AccessLog(out, true);
    log.log("GET", "/orders/42", "/orders/{id}", 200, 23, 115, "1-6b06e8eb-bf8baac54463ad6901832353", "bae43cb124bf9d7c");
    log.log("POST", "/x", "unmatched", 405, 0, 97, null, null);
    assertThat(log.close(CLOSE)).as("lines left unwritten").isZero();
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
    int perThread = AccessLog.MAX_QUEUED; // together over the queue's bound (the overflow is proven below)
    AccessLog log = new AccessLog(out, true);
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
    assertThat(log.close(CLOSE)).as("lines left unwritten").isZero();
    List<String> lines = lines();
    assertThat(lines).hasSize(threads * perThread);
    assertThat(lines).allSatisfy(l -> assertThat(l).matches(".* INFO request - GET /t\\d+/\\d+ route=unmatched "
        + "status=404 duration_ms=0 bytes=1 AWS-XRAY-TRACE-ID: -"));
    assertThat(lines.stream().map(l -> l.substring(l.indexOf("GET "))).distinct().count())
        .isEqualTo((long) threads * perThread);
  }

  @Test
  void closeWithStdoutBlockedGivesUpAfterItsBoundWithoutWritingOnTheCallersThread() throws Exception {
    BlockingStream stdout = new BlockingStream();
    stdout.arm();
    AccessLog log = new AccessLog(new PrintStream(stdout, false, StandardCharsets.UTF_8), true);
    try {
      log.log("GET", "/a", "unmatched", 404, 0, 1, null, null);
      assertThat(stdout.entered().await(10, TimeUnit.SECONDS)).as("the writer is stuck in write, holding the lock").isTrue();
      log.log("GET", "/b", "unmatched", 404, 0, 1, null, null);
      log.log("GET", "/c", "unmatched", 404, 0, 1, null, null);

      // On another thread, so a close() that blocks on stdout fails this test instead of hanging it.
      CompletableFuture<Integer> closed = new CompletableFuture<>();
      Thread.ofPlatform().daemon().start(() -> closed.complete(log.close(Duration.ofMillis(200))));

      assertThat(closed.get(10, TimeUnit.SECONDS)).as("lines given up: the two queued behind the blocked one")
          .isEqualTo(2);
    } finally {
      stdout.release();
    }
  }

  @Test
  void anIdleWriterWaitsForTheNextLineWithoutWakingUp() throws Exception {
    AccessLog log = new AccessLog(out, true);
    try {
      log.log("GET", "/first", "unmatched", 404, 0, 1, null, null);
      awaitState(log, Thread.State.WAITING); // parked without a timeout (TIMED_WAITING: a 10 ms wake-up loop)
      log.log("GET", "/second", "unmatched", 404, 0, 1, null, null);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (lines().size() < 2 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(lines()).as("the next line wakes the writer, no close needed").hasSize(2);
    } finally {
      log.close(CLOSE);
    }
  }

  @Test
  void aFullQueueMakesTheRequestThreadWriteItsOwnLineAndNoneIsLost() throws Exception {
    BlockingStream stdout = new BlockingStream();
    stdout.arm();
    AccessLog log = new AccessLog(new PrintStream(stdout, false, StandardCharsets.UTF_8), true);
    // The writer blocks in its first batch (at most 16 KiB: ~200 of these lines); 1,000 more than the queue holds
    // therefore overflow it for sure.
    int total = AccessLog.MAX_QUEUED + 1000;
    Thread producer = Thread.ofPlatform().daemon().start(() -> {
      for (int i = 0; i < total; i++) {
        log.log("GET", "/" + i, "unmatched", 404, 0, 1, null, null);
      }
    });
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (log.ownWrites() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      assertThat(log.ownWrites()).as("a request thread wrote its own line (back-pressure)").isPositive();
    } finally {
      stdout.release();
    }
    producer.join(TimeUnit.SECONDS.toMillis(30));
    assertThat(log.close(CLOSE)).as("lines left unwritten").isZero();
    List<String> lines = stdout.written().lines().toList();
    assertThat(lines).hasSize(total);
    assertThat(lines.stream().map(l -> l.substring(l.indexOf("GET "))).distinct().count()).isEqualTo((long) total);
  }

  private static void awaitState(AccessLog log, Thread.State state) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (log.writerState() != state && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertThat(log.writerState()).isEqualTo(state);
  }
}
