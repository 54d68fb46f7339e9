package com.example.standins.xray;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class SegmentStoreTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TRACE = "1-6b0d9e40-02df9d7d705f95bf39bcf98d";

  /** A segment document whose text is exactly {@code length} characters long (padded in an annotation). */
  private static String doc(String id, int length) {
    String head = "{\"trace_id\":\"" + TRACE + "\",\"id\":\"" + id + "\",\"name\":\"svc\",\"annotations\":{\"pad\":\"";
    String tail = "\"}}";
    return head + "x".repeat(length - head.length() - tail.length()) + tail;
  }

  private static void add(SegmentStore store, String text) throws Exception {
    store.add(text, JSON.readTree(text));
  }

  private static List<String> ids(SegmentStore store) {
    return store.all().stream().map(SegmentStore.Stored::id).toList();
  }

  @Test
  void byteBoundEvictsOldestFirst() throws Exception {
    SegmentStore store = SegmentStore.create(1000, 3000);
    for (String id : List.of("a1", "a2", "a3")) {
      add(store, doc(id, 1000));
    }
    assertThat(ids(store)).containsExactly("a1", "a2", "a3");
    assertThat(store.retainedBytes()).isEqualTo(3000);
    assertThat(store.evicted()).isZero();

    add(store, doc("a4", 1000));
    assertThat(ids(store)).containsExactly("a2", "a3", "a4");
    add(store, doc("a5", 2000));
    assertThat(ids(store)).containsExactly("a4", "a5");
    assertThat(store.retainedBytes()).isEqualTo(3000);
    assertThat(store.evicted()).isEqualTo(3);
  }

  @Test
  void countBoundStillEvictsOldestFirst() throws Exception {
    SegmentStore store = SegmentStore.create(2, 1_000_000);
    for (String id : List.of("b1", "b2", "b3", "b4")) {
      add(store, doc(id, 200));
    }
    assertThat(ids(store)).containsExactly("b3", "b4");
    assertThat(store.retainedBytes()).isEqualTo(400);
    assertThat(store.evicted()).isEqualTo(2);
  }

  @Test
  void findNoLongerReturnsAnEvictedDocument() throws Exception {
    SegmentStore store = SegmentStore.create(100, 2500);
    add(store, doc("c1", 1000));
    add(store, doc("c2", 1000));
    assertThat(store.find(TRACE, "c1")).isPresent();
    add(store, doc("c3", 1000));
    assertThat(store.find(TRACE, "c1")).isEmpty();
    assertThat(store.find(TRACE, "c2")).isPresent();
    assertThat(store.find(TRACE, "c3")).isPresent();
    assertThat(store.byTrace().get(TRACE)).extracting(SegmentStore.Stored::id).containsExactly("c2", "c3");
  }

  @Test
  void aDocumentLargerThanTheByteBoundIsKeptAlone() throws Exception {
    SegmentStore store = SegmentStore.create(100, 1500);
    add(store, doc("d1", 500));
    add(store, doc("d2", 500));
    add(store, doc("d3", 4000));
    assertThat(ids(store)).containsExactly("d3");
    assertThat(store.find(TRACE, "d3")).isPresent();
    add(store, doc("d4", 500));
    assertThat(ids(store)).containsExactly("d4");
    assertThat(store.retainedBytes()).isEqualTo(500);
    assertThat(store.evicted()).isEqualTo(3);
  }

  @Test
  void clearForgetsDocumentsBytesAndEvictions() throws Exception {
    SegmentStore store = SegmentStore.create(1, 1_000_000);
    add(store, doc("e1", 200));
    add(store, doc("e2", 200));
    store.clear();
    assertThat(store.all()).isEmpty();
    assertThat(store.retainedBytes()).isZero();
    assertThat(store.evicted()).isZero();
  }

  @Test
  void boundsMustBePositive() {
    assertThatThrownBy(() -> SegmentStore.create(0, 10)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SegmentStore.create(10, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(SegmentStore.defaultMaxBytes()).isEqualTo(Runtime.getRuntime().maxMemory() / 8);
  }
}
