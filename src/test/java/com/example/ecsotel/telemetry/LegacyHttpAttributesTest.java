package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The legacy-name view the X-Ray sampler sees (issue 20, item 4: no copy per root decision) holds exactly what
 * the copy held before: same map, same values per key, same size, same forEach, same toBuilder result, for
 * generated start attributes with and without the current and the legacy names.
 */
class LegacyHttpAttributesTest {
  private static final List<AttributeKey<String>> KEYS = List.of(AttributeKey.stringKey("http.request.method"),
      AttributeKey.stringKey("url.path"), AttributeKey.stringKey("server.address"), AttributeKey.stringKey("http.method"),
      AttributeKey.stringKey("http.target"), AttributeKey.stringKey("net.host.name"), AttributeKey.stringKey("url.scheme"),
      AttributeKey.stringKey("http.host"), AttributeKey.stringKey("user_agent.original"));

  @Test
  void theViewHoldsWhatTheCopyHeld() {
    Random random = new Random(20);
    for (int n = 0; n < 5000; n++) {
      AttributesBuilder builder = Attributes.builder();
      for (AttributeKey<String> key : KEYS) {
        if (random.nextInt(3) > 0) {
          builder.put(key, key.getKey() + "-" + random.nextInt(3));
        }
      }
      if (random.nextBoolean()) {
        builder.put(AttributeKey.longKey("server.port"), 8080L);
      }
      Attributes start = builder.build();
      Attributes view = LegacyHttpAttributesSampler.withLegacy(start);
      Attributes copy = copyAsBefore(start);

      assertThat(view.asMap()).isEqualTo(copy.asMap());
      assertThat(new HashMap<>(view.asMap())).isEqualTo(copy.asMap());
      assertThat(view.size()).isEqualTo(copy.size());
      assertThat(view.isEmpty()).isEqualTo(copy.isEmpty());
      for (AttributeKey<String> key : KEYS) {
        assertThat(view.get(key)).as(key.getKey()).isEqualTo(copy.get(key));
      }
      Map<AttributeKey<?>, Object> seen = new HashMap<>();
      view.forEach(seen::put);
      assertThat(seen).isEqualTo(copy.asMap());
      assertThat(view.toBuilder().build()).isEqualTo(copy);
    }
  }

  /** LegacyHttpAttributesSampler.withLegacy as of 89f1410 (a sorted copy), kept as the reference. */
  private static Attributes copyAsBefore(Attributes attributes) {
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
