package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestValidatorTest {
  @ParameterizedTest
  @ValueSource(strings = {
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future"})
  void acceptsValidTraceparent(String value) {
    assertThat(RequestValidator.validTraceparent(value)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "garbage", "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra"})
  void rejectsInvalidTraceparent(String value) {
    assertThat(RequestValidator.validTraceparent(value)).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
      "Root=1-5759e988-bd862e3fe1be46a994272793",
      "Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?"})
  void acceptsValidXrayHeaders(String value) {
    assertThat(RequestValidator.validXrayHeader(value)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "", "Parent=53995c3f42cd8ad8", "Root=2-5759e988-bd862e3fe1be46a994272793",
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=xyz",
      "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=yes", "Root"})
  void rejectsInvalidXrayHeaders(String value) {
    assertThat(RequestValidator.validXrayHeader(value)).isFalse();
  }
}
