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

/** Accepted segment documents, in arrival order, bounded so a long test run cannot exhaust memory. */
public final class SegmentStore {
  /** One accepted document: the parsed JSON plus the exact text that was sent. */
  public record Stored(String traceId, String id, String text, JsonNode document) {}

  private final int capacity;
  private final Deque<Stored> segments = new ArrayDeque<>();
  private final Map<String, Stored> byId = new HashMap<>();   // trace id + "/" + document id
  private final List<Consumer<Stored>> listeners = new CopyOnWriteArrayList<>();

  private SegmentStore(int capacity) {
    this.capacity = capacity;
  }

  public static SegmentStore create(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    return new SegmentStore(capacity);
  }

  /** Calls {@code listener} with every document added from now on (on the adding thread; keep it quick). */
  public void onAdd(Consumer<Stored> listener) {
    listeners.add(listener);
  }

  public void add(String text, JsonNode document) {
    Stored stored = new Stored(document.path("trace_id").asText(), document.path("id").asText(), text, document);
    synchronized (this) {
      if (segments.size() >= capacity) {
        Stored evicted = segments.removeFirst();
        byId.remove(key(evicted.traceId(), evicted.id()), evicted);
      }
      segments.addLast(stored);
      byId.put(key(stored.traceId(), stored.id()), stored);
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

  public synchronized void clear() {
    segments.clear();
    byId.clear();
  }
}
