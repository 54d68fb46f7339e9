package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The one pass over a request (issue 20, item 4) answers as the separate lookups and checks before it did:
 * {@link RequestHead#header} is {@code Headers.get} for any name in any case, its {@link RequestHead#problem} is
 * the exception the former {@code checkRequest} threw (same status, code, message), and the written-out
 * traceparent check agrees with the regex it replaced, on generated requests and values.
 */
class OnePassEquivalenceTest {
  private static final Pattern TRACEPARENT_REGEX =
      Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
  private static final String[] NAMES = {"traceparent", "Traceparent", "TRACESTATE", "baggage", "X-Amzn-Trace-Id",
      "x-amzn-trace-id", "host", "Host", "user-agent", "forwarded", "x-forwarded-for", "X-Forwarded-Host",
      "x-forwarded-proto", "x-sample-app-hop", "accept", "x-forwarded", "tracepar", "X-Custom"};

  @Test
  void headerLookupsAndProblemsAreThoseOfTheSeparateChecks() {
    Random random = new Random(20);
    for (int n = 0; n < 3000; n++) {
      Headers headers = new Headers();
      int count = random.nextInt(n % 10 == 0 ? 80 : 8);
      for (int i = 0; i < count; i++) {
        headers.add(NAMES[random.nextInt(NAMES.length)] + (random.nextInt(5) == 0 ? "-" + i : ""), value(random));
      }
      String path = "/" + "p".repeat(random.nextInt(10) == 0 ? 2100 : 5);
      RequestHead head = RequestHead.read(new FakeExchange(URI.create(path + "?q=1"), headers));

      for (String name : NAMES) {
        assertThat(head.header(name)).as(name).isEqualTo(headers.get(name));
      }
      ApiException before = checkRequestAsBefore(URI.create(path + "?q=1"), headers);
      if (before == null) {
        assertThat(head.problem()).isNull();
      } else {
        assertThat(head.problem()).isNotNull();
        assertThat(head.problem().status()).isEqualTo(before.status());
        assertThat(head.problem().code()).isEqualTo(before.code());
        assertThat(head.problem().getMessage()).isEqualTo(before.getMessage());
      }
      assertThat(head.rawPath()).isEqualTo(path);
      assertThat(head.method()).isEqualTo("GET");
    }
  }

  @Test
  void theWrittenOutTraceparentCheckAgreesWithTheRegex() {
    Random random = new Random(20);
    String valid = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    List<String> values = new ArrayList<>(List.of(valid, " " + valid + " ", "01-" + valid.substring(3) + "-x",
        "01-" + valid.substring(3) + "-", "01-" + valid.substring(3) + "-a\u0085", "01-" + valid.substring(3) + "-\u2028",
        "ff-" + valid.substring(3), "00-" + "0".repeat(32) + valid.substring(35), valid.substring(0, 36) + "0".repeat(16) + "-01",
        valid.toUpperCase(), "", "-", valid + "-x", valid + "\n", "01-" + valid.substring(3) + "-x\ty"));
    String alphabet = "0123456789abcdefABF-x \t\u0085\u2028\n";
    for (int i = 0; i < 200_000; i++) {
      char[] chars = (random.nextBoolean() ? "01" + valid.substring(2) + "-tail" : valid).toCharArray();
      for (int m = random.nextInt(3); m >= 0; m--) {
        chars[random.nextInt(chars.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
      }
      String v = new String(chars);
      values.add(random.nextInt(10) == 0 ? v.substring(0, random.nextInt(v.length())) : v);
    }
    for (String v : values) {
      assertThat(RequestValidator.validTraceparent(v)).as("'%s'", v).isEqualTo(validByRegex(v));
    }
  }

  private static String value(Random random) {
    return switch (random.nextInt(8)) {
      case 0 -> "x".repeat(random.nextInt(9000));
      case 1 -> "a\u0001b";
      case 2 -> "tab\tok";
      case 3 -> "del\u007f";
      default -> "v" + random.nextInt(1000);
    };
  }

  /** RequestValidator.checkRequest as of 89f1410, kept as the reference. */
  private static ApiException checkRequestAsBefore(URI uri, Headers headers) {
    if (uri.toString().length() > RequestValidator.MAX_URI_LENGTH) {
      return new ApiException(414, "uri_too_long", "request URI exceeds " + RequestValidator.MAX_URI_LENGTH + " characters");
    }
    int count = 0;
    long total = 0;
    for (Map.Entry<String, List<String>> header : headers.entrySet()) {
      for (String value : header.getValue()) {
        count++;
        total += header.getKey().length() + value.length();
        ApiException e = RequestValidator.checkHeader(header.getKey(), value);
        if (e != null) {
          return e;
        }
      }
    }
    return RequestValidator.checkTotals(count, total);
  }

  private static boolean validByRegex(String value) {
    var m = TRACEPARENT_REGEX.matcher(value.trim());
    if (!m.matches() || m.group(1).equals("ff")) {
      return false;
    }
    if (m.group(1).equals("00") && m.group(5) != null) {
      return false;
    }
    return !m.group(2).chars().allMatch(c -> c == '0') && !m.group(3).chars().allMatch(c -> c == '0');
  }

  /** Just what RequestHead reads of an exchange. */
}
