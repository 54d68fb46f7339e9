package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesNestedValuesAndEscapesStrings() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("s", "a\"b\\c\nd\u0001");
    body.put("n", 3);
    body.put("list", List.of(true, 1.5));
    body.put("none", null);

    assertThat(Json.write(body))
        .isEqualTo("{\"s\":\"a\\\"b\\\\c\\nd\\u0001\",\"n\":3,\"list\":[true,1.5],\"none\":null}");
  }
}
