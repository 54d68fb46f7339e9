package com.example.ecsotel.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A span's start attributes plus up to three legacy HTTP names: what {@link LegacyHttpAttributesSampler} hands the
 * X-Ray sampler. The entries are copied once, in the order {@code forEach} gives them, into two arrays. The sorted
 * copy this replaces ({@code toBuilder().put(..).build()}) grew a list and sorted it for every root decision. A view
 * that kept only the base and asked it again would be worse: the SDK's (1.67.0) span attributes, an {@code
 * AttributesMap}, build a new HashMap on every {@code asMap()}, and the contrib sampler (1.43.0) calls {@code
 * asMap()} once per rule it checks (docs/benchmark.md: that view lost an A/B). As in the sorted copy, an added
 * key replaces a base entry of the same name (of any type). Read-only; equality is not an Attributes
 * implementation's (not for storing).
 */
final class LegacyNamedAttributes implements Attributes {
  private final Attributes base;
  private final AttributeKey<?>[] keys;
  private final Object[] values;
  private final int added;
  private int size;

  private LegacyNamedAttributes(Attributes base, int added) {
    this.base = base;
    this.added = added;
    this.keys = new AttributeKey<?>[base.size() + added];
    this.values = new Object[keys.length];
  }

  /** {@code base} with {@code key_i = value_i} for each non-null value; {@code base} itself if none is. */
  static Attributes of(Attributes base, AttributeKey<String> key1, String value1, AttributeKey<String> key2,
      String value2, AttributeKey<String> key3, String value3) {
    Objects.requireNonNull(base, "base");
    int added = (value1 != null ? 1 : 0) + (value2 != null ? 1 : 0) + (value3 != null ? 1 : 0);
    if (added == 0) {
      return base;
    }
    LegacyNamedAttributes attributes = new LegacyNamedAttributes(base, added);
    attributes.add(key1, value1);
    attributes.add(key2, value2);
    attributes.add(key3, value3);
    base.forEach(attributes::collect);
    return attributes;
  }

  /** A base entry, unless an added key has its name (the sorted copy kept the last put of a name). */
  private void collect(AttributeKey<?> key, Object value) {
    if (addedIndex(key.getKey()) < 0 && size < keys.length) { // the base's size bounds it: never overrun
      keys[size] = key;
      values[size++] = value;
    }
  }

  private int addedIndex(String name) {
    for (int i = 0; i < added; i++) {
      if (keys[i].getKey().equals(name)) {
        return i;
      }
    }
    return -1;
  }

  private void add(AttributeKey<String> key, String value) {
    if (value != null) {
      keys[size] = key;
      values[size++] = value;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(AttributeKey<T> key) {
    int i = addedIndex(key.getKey());
    if (i >= 0) {
      return keys[i].equals(key) ? (T) values[i] : null; // the name was replaced, whatever its type in the base
    }
    return base.get(key); // the base's own lookup, with its type rules
  }

  @Override
  public void forEach(BiConsumer<? super AttributeKey<?>, ? super Object> consumer) {
    for (int i = 0; i < size; i++) {
      consumer.accept(keys[i], values[i]);
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public Map<AttributeKey<?>, Object> asMap() {
    return new AbstractMap<>() {
      @Override
      public Set<Entry<AttributeKey<?>, Object>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public int size() {
            return size;
          }

          @Override
          public Iterator<Entry<AttributeKey<?>, Object>> iterator() {
            return new Iterator<>() {
              private int next;

              @Override
              public boolean hasNext() {
                return next < size;
              }

              @Override
              public Entry<AttributeKey<?>, Object> next() {
                if (next >= size) {
                  throw new NoSuchElementException();
                }
                Entry<AttributeKey<?>, Object> entry = Map.entry(keys[next], values[next]);
                next++;
                return entry;
              }
            };
          }
        };
      }

      @Override
      public Object get(Object key) {
        return key instanceof AttributeKey<?> attributeKey ? LegacyNamedAttributes.this.get(attributeKey) : null;
      }
    };
  }

  @Override
  @SuppressWarnings({"unchecked", "rawtypes"})
  public AttributesBuilder toBuilder() {
    AttributesBuilder builder = Attributes.builder();
    for (int i = 0; i < size; i++) {
      builder.put((AttributeKey) keys[i], values[i]);
    }
    return builder;
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
