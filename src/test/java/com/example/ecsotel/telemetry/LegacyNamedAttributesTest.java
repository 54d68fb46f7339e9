package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.sdk.common.internal.AttributesMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What {@link LegacyHttpAttributesSampler} hands the X-Ray sampler reads as the sorted copy it replaced ({@code
 * toBuilder()}, the legacy names put when absent, {@code build()}): the same entries through {@code asMap()} (what
 * {@code SamplingRuleApplier.matches} iterates), {@code get}, {@code forEach}, {@code size} and {@code toBuilder},
 * on generated start attributes with and without the current and the legacy names (a legacy name also with another
 * type), held both as the API's attributes and as the SDK's {@code AttributesMap} (what SdkSpanBuilder 1.67.0 hands
 * a sampler).
 */
class LegacyNamedAttributesTest {
  private static final List<AttributeKey<String>> KEYS = List.of(
      AttributeKey.stringKey("http.request.method"), AttributeKey.stringKey("url.path"),
      AttributeKey.stringKey("server.address"), AttributeKey.stringKey("http.method"),
      AttributeKey.stringKey("http.target"), AttributeKey.stringKey("net.host.name"),
      AttributeKey.stringKey("url.scheme"), AttributeKey.stringKey("user_agent.original"));
  private static final AttributeKey<Long> PORT = AttributeKey.longKey("server.port");
  private static final AttributeKey<Long> LEGACY_METHOD_AS_LONG = AttributeKey.longKey("http.method");

  @Test
  void theUnsortedCopyHoldsWhatTheSortedCopyHeld() {
    Random random = new Random(20);
    for (int n = 0; n < 5_000; n++) {
      AttributesBuilder builder = Attributes.builder();
      for (AttributeKey<String> key : KEYS) {
        if (random.nextInt(3) > 0) {
          builder.put(key, key.getKey() + "-" + random.nextInt(4));
        }
      }
      if (random.nextBoolean()) {
        builder.put(PORT, 8080L);
      }
      if (random.nextInt(8) == 0) {
        builder.put(LEGACY_METHOD_AS_LONG, 1L); // same name as http.method, another type
      }
      Attributes built = builder.build();
      AttributesMap map = AttributesMap.create(128, Integer.MAX_VALUE);
      built.forEach(map::put);
      for (Attributes start : List.of(built, map)) {
        check(start);
      }
    }
  }

  private static void check(Attributes start) {
    Attributes copy = asTheCopyDid(start);
    Attributes unsorted = LegacyHttpAttributesSampler.withLegacy(start);

    assertThat(unsorted.asMap()).isEqualTo(copy.asMap());
    assertThat(new HashMap<>(unsorted.asMap())).isEqualTo(copy.asMap()); // through entrySet's iterator
    assertThat(unsorted.size()).isEqualTo(copy.size());
    assertThat(unsorted.isEmpty()).isEqualTo(copy.isEmpty());
    Map<AttributeKey<?>, Object> seen = new HashMap<>();
    unsorted.forEach(seen::put);
    assertThat(seen).isEqualTo(copy.asMap());
    assertThat(unsorted.toBuilder().build()).isEqualTo(copy.toBuilder().build());
    for (AttributeKey<String> key : KEYS) {
      assertThat(unsorted.get(key)).as(key.getKey()).isEqualTo(copy.get(key));
    }
    assertThat(unsorted.get(PORT)).isEqualTo(copy.get(PORT));
    assertThat(unsorted.get(LEGACY_METHOD_AS_LONG)).isEqualTo(copy.get(LEGACY_METHOD_AS_LONG));
  }

  /** LegacyHttpAttributesSampler.withLegacy before: a sorted copy with the legacy names added. */
  private static Attributes asTheCopyDid(Attributes attributes) {
    String method = attributes.get(KEYS.get(0));
    String path = attributes.get(KEYS.get(1));
    if (method == null && path == null) {
      return attributes;
    }
    AttributesBuilder builder = attributes.toBuilder();
    if (method != null && attributes.get(KEYS.get(3)) == null) {
      builder.put(KEYS.get(3), method);
    }
    if (path != null && attributes.get(KEYS.get(4)) == null) {
      builder.put(KEYS.get(4), path);
    }
    String host = attributes.get(KEYS.get(2));
    if (host != null && attributes.get(KEYS.get(5)) == null) {
      builder.put(KEYS.get(5), host);
    }
    return builder.build();
  }
}
