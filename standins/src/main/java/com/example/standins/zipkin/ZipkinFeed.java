package com.example.standins.zipkin;

import static java.util.Objects.requireNonNull;

import com.example.standins.xray.SegmentStore;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import zipkin2.Span;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.SpanBytesEncoder;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * Feeds a Zipkin server (the local trace UI) with every segment document the X-Ray stand-in accepted, translated by
 * {@link SegmentSpans}. Never slows or fails X-Ray requests: documents are queued (bounded, dropped beyond) and
 * sent by Zipkin's own async reporter in batches. An independent subsegment carries no service name, so it waits
 * (up to {@link #WAIT_FOR_SEGMENT}) for the segment it descends from; the exporter often sends children first.
 */
public final class ZipkinFeed implements AutoCloseable {
  static final Duration WAIT_FOR_SEGMENT = Duration.ofSeconds(10);
  private static final int MAX_PENDING = 10_000;
  private static final int MAX_DEPTH = 64;
  private static final Logger LOG = Logger.getLogger(ZipkinFeed.class.getName());

  private record Pending(SegmentStore.Stored stored, Instant since) {}

  private final SegmentStore store;
  private final Clock clock;
  private final AsyncReporter<Span> reporter;
  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final ScheduledExecutorService resolver;

  private ZipkinFeed(SegmentStore store, Clock clock, AsyncReporter<Span> reporter) {
    this.store = store;
    this.clock = clock;
    this.reporter = reporter;
    this.resolver = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "zipkin-feed");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts feeding {@code zipkinUrl} (e.g. http://127.0.0.1:9411) with what {@code store} receives from now on. */
  public static ZipkinFeed start(URI zipkinUrl, SegmentStore store, Clock clock) {
    requireNonNull(zipkinUrl, "zipkinUrl");
    URLConnectionSender sender = URLConnectionSender.newBuilder()
        .endpoint(zipkinUrl.resolve("/api/v2/spans").toString())
        .connectTimeout(2_000)
        .readTimeout(5_000)
        .build();
    AsyncReporter<Span> reporter = AsyncReporter.builder(sender)
        .queuedMaxSpans(MAX_PENDING)
        .messageTimeout(1, TimeUnit.SECONDS)
        .build(SpanBytesEncoder.JSON_V2);
    ZipkinFeed feed = new ZipkinFeed(requireNonNull(store, "store"), requireNonNull(clock, "clock"), reporter);
    store.onAdd(feed::accept);
    feed.resolver.scheduleWithFixedDelay(feed::resolvePending, 500, 500, TimeUnit.MILLISECONDS);
    return feed;
  }

  void accept(SegmentStore.Stored stored) {
    if (!SegmentSpans.isSubsegment(stored.document())) {
      report(stored, stored.document().path("name").asText("unknown"));
    } else if (pendingCount.incrementAndGet() <= MAX_PENDING) {
      pending.add(new Pending(stored, clock.instant()));
    } else {
      pendingCount.decrementAndGet();   // the UI misses this one; X-Ray (the stand-in's store) still has it
    }
  }

  private void resolvePending() {
    Instant now = clock.instant();
    for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
      Pending p = it.next();
      Optional<String> service = owningService(p.stored());
      boolean expired = Duration.between(p.since(), now).compareTo(WAIT_FOR_SEGMENT) > 0;
      if (service.isPresent() || expired) {
        it.remove();
        pendingCount.decrementAndGet();
        report(p.stored(), service.orElse("unknown"));
      }
    }
  }

  /** The name of the segment an independent subsegment descends from, once that segment has arrived. */
  Optional<String> owningService(SegmentStore.Stored subsegment) {
    String traceId = subsegment.traceId();
    String parent = subsegment.document().path("parent_id").asText("");
    for (int depth = 0; depth < MAX_DEPTH && !parent.isEmpty(); depth++) {
      Optional<SegmentStore.Stored> found = store.find(traceId, parent);
      if (found.isEmpty()) {
        return Optional.empty();
      }
      if (!SegmentSpans.isSubsegment(found.get().document())) {
        return Optional.of(found.get().document().path("name").asText("unknown"));
      }
      parent = found.get().document().path("parent_id").asText("");
    }
    return Optional.empty();
  }

  private void report(SegmentStore.Stored stored, String service) {
    try {
      SegmentSpans.of(stored.document(), service).forEach(reporter::report);
    } catch (RuntimeException e) {   // a document the translation cannot read must not stop the feed
      LOG.log(Level.FINE, "not sent to Zipkin: " + stored.id(), e);
    }
  }

  /** Sends what is queued and waits for it (tests, shutdown). */
  public void flush() {
    resolvePending();
    reporter.flush();
  }

  @Override
  public void close() {
    resolver.shutdownNow();
    reporter.close();
  }
}
