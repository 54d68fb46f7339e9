package com.example.ecsotel.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.contrib.awsxray.propagator.AwsXrayPropagator;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * "Counted invalid" == "the contrib propagator drops it": every row is judged by us and by the real
 * AwsXrayPropagator (1.60.0-alpha); they agree, except on our two forms (Root-only, Sampled=?), which the
 * propagator drops and the X-Ray SDKs continue.
 */
class AwsTraceHeaderJudgementTest {
  private static final String ROOT = "1-5759e988-bd862e3fe1be46a994272793";
  private static final String PARENT = "53995c3f42cd8ad8";
  private static final String ZERO_ROOT = "1-00000000-000000000000000000000000";

  enum Form { PROPAGATOR, ROOT_ONLY, DEFERRED }

  static Stream<Arguments> headers() {
    return Stream.of(
        row("Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=1", true, Form.PROPAGATOR),
        row("Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=0", true, Form.PROPAGATOR),
        row("Root=" + ROOT + ";Parent=" + PARENT, true, Form.PROPAGATOR),
        row("Root=" + ROOT + "; Parent=" + PARENT + "; Sampled=1;", true, Form.PROPAGATOR),
        row("Self=1-67891234-12456789abcdef012345678;Root=" + ROOT + ";Parent=" + PARENT
            + ";Sampled=1;Lineage=10:1234abcd:3", true, Form.PROPAGATOR),
        // The reviewer's cases: the propagator drops these, so they are counted invalid.
        row("Root=" + ROOT + ";;Parent=" + PARENT + ";Sampled=1", false, Form.PROPAGATOR),
        row("Root = " + ROOT + "; Parent = " + PARENT, false, Form.PROPAGATOR),
        row("Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=d", false, Form.PROPAGATOR),
        // ... and these it accepts, so they are valid: a short epoch, a header over 256 characters.
        row("Root=1-5759e98-bd862e3fe1be46a994272793;Parent=" + PARENT + ";Sampled=1", true, Form.PROPAGATOR),
        row("Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=1;Foo=" + "x".repeat(300), true, Form.PROPAGATOR),
        // Earlier cases: no id, bad ids, all-zero ids, bad version, bad decision, no '='.
        row("", false, Form.PROPAGATOR),
        row("Root", false, Form.PROPAGATOR),
        row("Parent=" + PARENT, false, Form.PROPAGATOR),
        row("Root=2-5759e988-bd862e3fe1be46a994272793;Parent=" + PARENT, false, Form.PROPAGATOR),
        row("Root=1-5759e988;Parent=" + PARENT, false, Form.PROPAGATOR),
        row("Root=" + ROOT + ";Parent=xyz", false, Form.PROPAGATOR),
        row("Root=1-5759E988-BD862E3FE1BE46A994272793;Parent=" + PARENT, false, Form.PROPAGATOR),
        row("Root=" + ZERO_ROOT + ";Parent=" + PARENT + ";Sampled=1", false, Form.PROPAGATOR),
        row("Root=" + ROOT + ";Parent=0000000000000000;Sampled=1", false, Form.PROPAGATOR),
        // Our forms: the propagator drops them, the app continues them.
        row("Root=" + ROOT, true, Form.ROOT_ONLY),
        row("Self=1-67891234-12456789abcdef012345678;Root=" + ROOT + ";Sampled=?", true, Form.ROOT_ONLY),
        row("Root=1-5759e98-bd862e3fe1be46a994272793", true, Form.ROOT_ONLY),
        row("Root=" + ZERO_ROOT, false, Form.ROOT_ONLY),
        row("Root=" + ROOT + ";Sampled=yes", false, Form.ROOT_ONLY),
        row("Root=" + ROOT + ";;Sampled=1", false, Form.ROOT_ONLY),
        row("Root=" + ROOT + ";Parent=" + PARENT + ";Sampled=?", true, Form.DEFERRED),
        row("Root=" + ROOT + ";Parent=0000000000000000;Sampled=?", false, Form.DEFERRED),
        row("Root=" + ZERO_ROOT + ";Parent=" + PARENT + ";Sampled=?", false, Form.DEFERRED),
        row("Root=" + ROOT + ";Parent=" + PARENT + ";Sampled= ?", false, Form.DEFERRED));
  }

  @ParameterizedTest
  @MethodSource("headers")
  void ourJudgementIsThePropagatorsPlusOurTwoForms(String header, boolean valid, Form form) {
    assertThat(AwsTraceHeader.parse(header) != null).as("our judgement of %s", header).isEqualTo(valid);
    boolean propagatorKeeps = propagatorKeeps(header);
    if (form == Form.PROPAGATOR) {
      assertThat(propagatorKeeps).as("AwsXrayPropagator on %s", header).isEqualTo(valid);
    } else {
      assertThat(propagatorKeeps).as("AwsXrayPropagator drops our form %s", header).isFalse();
    }
  }

  private static boolean propagatorKeeps(String header) {
    Context extracted = AwsXrayPropagator.getInstance().extract(Context.root(), Map.of("X-Amzn-Trace-Id", header),
        new TextMapGetter<Map<String, String>>() {
          @Override
          public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
          }

          @Override
          public String get(Map<String, String> carrier, String key) {
            return carrier.get(key);
          }
        });
    return Span.fromContext(extracted).getSpanContext().isValid();
  }

  private static Arguments row(String header, boolean valid, Form form) {
    return Arguments.of(header, valid, form);
  }

}
