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
 * A span's start attributes plus up to three more entries, as a read-only view: what {@link
 * LegacyHttpAttributesSampler} hands the X-Ray sampler. A copy ({@code toBuilder().put(..).build()}) sorted and
 * copied all fifteen or so attributes for every root sampling decision, a tenth of the telemetry's CPU on the
 * request thread; the sampler only iterates them once per rule ({@code SamplingRuleApplier.matches}). The added
 * keys must not be in {@code base}. Not for storing: equality is the map's, not an Attributes implementation's.
 */
final class LegacyNamedAttributes implements Attributes {
  private final Attributes base;
  private final AttributeKey<?>[] keys;
  private final Object[] values;
  private final int added;

  private LegacyNamedAttributes(Attributes base, AttributeKey<?>[] keys, Object[] values, int added) {
    this.base = base;
    this.keys = keys;
    this.values = values;
    this.added = added;
  }

  /** {@code base} with {@code key_i = value_i} for each non-null value; {@code base} itself if none is. */
  static Attributes of(Attributes base, AttributeKey<String> key1, String value1, AttributeKey<String> key2,
      String value2, AttributeKey<String> key3, String value3) {
    Objects.requireNonNull(base, "base");
    AttributeKey<?>[] keys = new AttributeKey<?>[3];
    Object[] values = new Object[3];
    int added = 0;
    if (value1 != null) {
      keys[added] = key1;
      values[added++] = value1;
    }
    if (value2 != null) {
      keys[added] = key2;
      values[added++] = value2;
    }
    if (value3 != null) {
      keys[added] = key3;
      values[added++] = value3;
    }
    return added == 0 ? base : new LegacyNamedAttributes(base, keys, values, added);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(AttributeKey<T> key) {
    for (int i = 0; i < added; i++) {
      if (keys[i].equals(key)) {
        return (T) values[i];
      }
    }
    return base.get(key);
  }

  @Override
  public void forEach(BiConsumer<? super AttributeKey<?>, ? super Object> consumer) {
    base.forEach(consumer);
    for (int i = 0; i < added; i++) {
      consumer.accept(keys[i], values[i]);
    }
  }

  @Override
  public int size() {
    return base.size() + added;
  }

  @Override
  public boolean isEmpty() {
    return false; // at least one entry was added
  }

  @Override
  public Map<AttributeKey<?>, Object> asMap() {
    Map<AttributeKey<?>, Object> baseMap = base.asMap();
    return new AbstractMap<>() {
      @Override
      public Set<Entry<AttributeKey<?>, Object>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public int size() {
            return baseMap.size() + added;
          }

          @Override
          public Iterator<Entry<AttributeKey<?>, Object>> iterator() {
            Iterator<Entry<AttributeKey<?>, Object>> inBase = baseMap.entrySet().iterator();
            return new Iterator<>() {
              private int next;

              @Override
              public boolean hasNext() {
                return inBase.hasNext() || next < added;
              }

              @Override
              public Entry<AttributeKey<?>, Object> next() {
                if (inBase.hasNext()) {
                  return inBase.next();
                }
                if (next >= added) {
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
    AttributesBuilder builder = base.toBuilder();
    for (int i = 0; i < added; i++) {
      builder.put((AttributeKey) keys[i], values[i]);
    }
    return builder;
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
