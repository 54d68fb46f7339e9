package com.example.standins.xray;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Accepted segment documents, in arrival order, bounded by count AND by retained text so a long test run cannot
 * exhaust the heap: after each add the oldest documents are evicted while there are more than {@code capacity} of
 * them or their texts' {@code String.length()} sum exceeds {@code maxBytes}. The parsed {@link JsonNode} kept beside
 * each text costs several times the text, so {@code maxBytes} should be a fraction of the heap
 * ({@link #defaultMaxBytes()}: one eighth). Evicted documents are gone from {@link #all()}, {@link #byTrace()} and
 * {@link #find}; the stand-in's received/accepted counters (StandinStats) are kept elsewhere and never change here.
 */
public final class SegmentStore {
  /** One accepted document: the parsed JSON plus the exact text that was sent. */
  public record Stored(String traceId, String id, String text, JsonNode document) {}

  private final int capacity;
  private final long maxBytes;
  private final Deque<Stored> segments = new ArrayDeque<>();
  private final Map<String, Stored> byId = new HashMap<>();   // trace id + "/" + document id
  private final List<Consumer<Stored>> listeners = new CopyOnWriteArrayList<>();
  private long bytes;     // sum of text().length() over segments
  private long evicted;   // documents dropped by either bound since the start or the last clear()

  private SegmentStore(int capacity, long maxBytes) {
    this.capacity = capacity;
    this.maxBytes = maxBytes;
  }

  /** A store bounded by {@code capacity} documents and by {@link #defaultMaxBytes()} of text. */
  public static SegmentStore create(int capacity) {
    return create(capacity, defaultMaxBytes());
  }

  /** A store bounded by {@code capacity} documents and by {@code maxBytes} of text (sum of text lengths). */
  public static SegmentStore create(int capacity, long maxBytes) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be positive");
    }
    return new SegmentStore(capacity, maxBytes);
  }

  /** One eighth of the JVM's max heap: the texts plus their parsed trees then stay well below the heap limit. */
  public static long defaultMaxBytes() {
    return Math.max(1, Runtime.getRuntime().maxMemory() / 8);
  }

  /** Calls {@code listener} with every document added from now on (on the adding thread; keep it quick). */
  public void onAdd(Consumer<Stored> listener) {
    listeners.add(listener);
  }

  public void add(String text, JsonNode document) {
    Stored stored = new Stored(document.path("trace_id").asText(), document.path("id").asText(), text, document);
    synchronized (this) {
      segments.addLast(stored);
      byId.put(key(stored.traceId(), stored.id()), stored);
      bytes += text.length();
      // Evict oldest first while over either bound. A document larger than the whole byte bound is still stored,
      // alone (everything older is evicted): a read right after the write then finds it, as it would on X-Ray, and
      // the store's memory stays at most max(maxBytes, one document) -- a document that had to fit in memory anyway
      // to be received and parsed. Dropping it instead would make the newest write unreadable.
      while (segments.size() > capacity || (bytes > maxBytes && segments.size() > 1)) {
        Stored old = segments.removeFirst();
        byId.remove(key(old.traceId(), old.id()), old);
        bytes -= old.text().length();
        evicted++;
      }
    }
    listeners.forEach(l -> l.accept(stored));
  }

  /** The document with this id in this trace, if it arrived and was not evicted. */
  public synchronized Optional<Stored> find(String traceId, String id) {
    return Optional.ofNullable(byId.get(key(traceId, id)));
  }

  private static String key(String traceId, String id) {
    return traceId + "/" + id;
  }

  public synchronized List<Stored> all() {
    return new ArrayList<>(segments);
  }

  /** Segments grouped by trace id, traces in order of first arrival. */
  public synchronized Map<String, List<Stored>> byTrace() {
    Map<String, List<Stored>> traces = new LinkedHashMap<>();
    for (Stored s : segments) {
      traces.computeIfAbsent(s.traceId(), k -> new ArrayList<>()).add(s);
    }
    return traces;
  }

  /** Sum of the stored documents' text lengths. */
  public synchronized long retainedBytes() {
    return bytes;
  }

  /** Documents evicted by the count or byte bound since the start or the last {@link #clear()}. */
  public synchronized long evicted() {
    return evicted;
  }

  public synchronized void clear() {
    segments.clear();
    byId.clear();
    bytes = 0;
    evicted = 0;
  }
}
