package com.example.standins.xray;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Accepted segment documents, in arrival order, bounded so a long test run cannot exhaust memory. */
public final class SegmentStore {
  /** One accepted document: the parsed JSON plus the exact text that was sent. */
  public record Stored(String traceId, String id, String text, JsonNode document) {}

  private final int capacity;
  private final Deque<Stored> segments = new ArrayDeque<>();

  private SegmentStore(int capacity) {
    this.capacity = capacity;
  }

  public static SegmentStore create(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    return new SegmentStore(capacity);
  }

  public synchronized void add(String text, JsonNode document) {
    if (segments.size() >= capacity) {
      segments.removeFirst();
    }
    segments.addLast(new Stored(document.path("trace_id").asText(), document.path("id").asText(), text, document));
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
  }
}
