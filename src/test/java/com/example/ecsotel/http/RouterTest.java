package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
  private final Router router =
      new Router()
          .get("/", r -> Response.ok(Map.of()))
          .get("/orders/{id}", r -> Response.ok(Map.of()))
          .get("/orders/{id}/items/{item}", r -> Response.ok(Map.of()));

  @Test
  void bindsPathParametersAndKeepsTheTemplate() {
    Router.Match match = router.match("GET", "/orders/42/items/7");

    assertThat(match.found()).isTrue();
    assertThat(match.template()).isEqualTo("/orders/{id}/items/{item}");
    assertThat(match.params()).containsEntry("id", "42").containsEntry("item", "7");
  }

  @Test
  void bindsOneParameterAsAReadOnlyMap() {
    Router.Match one = router.match("GET", "/orders/42");
    Router.Match two = router.match("GET", "/orders/42/items/7");

    assertThat(one.params()).containsExactly(Map.entry("id", "42"));
    assertThat(two.params().keySet()).containsExactly("id", "item");
    assertThatThrownBy(() -> one.params().put("id", "43")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> two.params().put("id", "43")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void toleratesATrailingSlash() {
    assertThat(router.match("GET", "/orders/42/").template()).isEqualTo("/orders/{id}");
  }

  @Test
  void knownPathWithWrongMethodReportsAllowedMethods() {
    Router.Match match = router.match("POST", "/orders/1");

    assertThat(match.found()).isFalse();
    assertThat(match.template()).isEqualTo("/orders/{id}");
    assertThat(match.allowedMethods()).containsExactly("GET");
  }

  @Test
  void unknownPathHasNoTemplate() {
    assertThat(router.match("GET", "/orders").template()).isNull();
    assertThat(router.match("GET", "/orders//items/1").template()).isNull();
    assertThat(router.match("GET", "/nope").found()).isFalse();
  }
}
