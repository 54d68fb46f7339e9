package com.example.ecsotel.telemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * A span's start attributes plus, under the names the contrib X-Ray sampler (1.43.0) matches rules on, the
 * values it needs ({@link LegacyHttpAttributesSampler}): a view, not a copy. The copy ({@code toBuilder()...build()},
 * which copies and sorts every attribute) was made for every root decision, sampled or not; the sampler only
 * reads {@code asMap().entrySet()} once per rule.
 */
final class LegacyHttpAttributes implements Attributes {
  private final Attributes base;
  private final AttributeKey<?>[] keys; // the legacy keys added (absent from base), then their values
  private final Object[] values;

  private LegacyHttpAttributes(Attributes base, AttributeKey<?>[] keys, Object[] values) {
    this.base = base;
    this.keys = keys;
    this.values = values;
  }

  /** {@code base} with each legacy key that {@code base} lacks and whose value is non-null; base if none. */
  static Attributes of(Attributes base, AttributeKey<String> k1, String v1, AttributeKey<String> k2, String v2,
      AttributeKey<String> k3, String v3) {
    int n = (v1 != null ? 1 : 0) + (v2 != null ? 1 : 0) + (v3 != null ? 1 : 0);
    if (n == 0) {
      return base;
    }
    AttributeKey<?>[] keys = new AttributeKey<?>[n];
    Object[] values = new Object[n];
    int i = add(keys, values, 0, k1, v1);
    i = add(keys, values, i, k2, v2);
    add(keys, values, i, k3, v3);
    return new LegacyHttpAttributes(base, keys, values);
  }

  private static int add(AttributeKey<?>[] keys, Object[] values, int i, AttributeKey<String> key, String value) {
    if (value == null) {
      return i;
    }
    keys[i] = key;
    values[i] = value;
    return i + 1;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T> T get(AttributeKey<T> key) {
    for (int i = 0; i < keys.length; i++) {
      if (keys[i].equals(key)) {
        return (T) values[i];
      }
    }
    return base.get(key);
  }

  @Override
  public void forEach(BiConsumer<? super AttributeKey<?>, ? super Object> consumer) {
    base.forEach(consumer);
    for (int i = 0; i < keys.length; i++) {
      consumer.accept(keys[i], values[i]);
    }
  }

  @Override
  public int size() {
    return base.size() + keys.length;
  }

  @Override
  public boolean isEmpty() {
    return false; // at least one key was added
  }

  @Override
  public Map<AttributeKey<?>, Object> asMap() {
    Map<AttributeKey<?>, Object> baseMap = base.asMap();
    return new AbstractMap<>() {
      @Override
      public Set<Entry<AttributeKey<?>, Object>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public Iterator<Entry<AttributeKey<?>, Object>> iterator() {
            Iterator<Entry<AttributeKey<?>, Object>> first = baseMap.entrySet().iterator();
            return new Iterator<>() {
              private int added;

              @Override
              public boolean hasNext() {
                return first.hasNext() || added < keys.length;
              }

              @Override
              public Entry<AttributeKey<?>, Object> next() {
                if (first.hasNext()) {
                  return first.next();
                }
                if (added >= keys.length) {
                  throw new NoSuchElementException();
                }
                int i = added++;
                return new SimpleImmutableEntry<>(keys[i], values[i]);
              }
            };
          }

          @Override
          public int size() {
            return baseMap.size() + keys.length;
          }
        };
      }

      @Override
      public Object get(Object key) {
        return key instanceof AttributeKey<?> k ? LegacyHttpAttributes.this.get(k) : null;
      }
    };
  }

  @Override
  @SuppressWarnings("unchecked")
  public AttributesBuilder toBuilder() {
    AttributesBuilder builder = base.toBuilder();
    for (int i = 0; i < keys.length; i++) {
      builder.put((AttributeKey<Object>) keys[i], values[i]);
    }
    return builder;
  }

  @Override
  public String toString() {
    return asMap().toString();
  }
}
