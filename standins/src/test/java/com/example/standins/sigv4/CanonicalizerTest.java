package com.example.standins.sigv4;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CanonicalizerTest {
  @Test
  void nonS3PathsAreNormalizedAndEncodedTwice() {
    assertThat(Canonicalizer.canonicalUri("/a%20b/./c/../d", false)).isEqualTo("/a%2520b/d");
    assertThat(Canonicalizer.canonicalUri("/workspaces/ws-local/api/v1/remote_write", false))
        .isEqualTo("/workspaces/ws-local/api/v1/remote_write");
  }

  @Test
  void s3PathsAreEncodedOnceAndNotNormalized() {
    assertThat(Canonicalizer.canonicalUri("/bucket/a%20b/./c//d", true)).isEqualTo("/bucket/a%20b/./c//d");
    assertThat(Canonicalizer.canonicalUri("/bucket/a+b~c", true)).isEqualTo("/bucket/a%2Bb~c");
    assertThat(Canonicalizer.canonicalUri("/", true)).isEqualTo("/");
  }

  @Test
  void queryIsDecodedReencodedAndSortedByNameThenValue() {
    assertThat(Canonicalizer.canonicalQuery("b=2&a=z&a=y&c&d=%7e+x"))
        .isEqualTo("a=y&a=z&b=2&c=&d=~%20x");
    assertThat(Canonicalizer.canonicalQuery("query=sum%28rate%28x%5B1m%5D%29%29"))
        .isEqualTo("query=sum%28rate%28x%5B1m%5D%29%29");
  }

  @Test
  void headerValuesAreTrimmedAndInnerWhitespaceCollapsed() {
    assertThat(Canonicalizer.canonicalHeaders(
        java.util.Map.of("my-header", java.util.List.of("  a   b  ", "c")), java.util.List.of("my-header")))
        .isEqualTo("my-header:a b,c\n");
  }
}
