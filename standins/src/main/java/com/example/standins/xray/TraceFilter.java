package com.example.standins.xray;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The small subset of X-Ray filter expressions the stand-in understands, joined with AND: {@code service("name")},
 * {@code fault}, {@code error}, {@code throttle}, {@code ok}, {@code http.status = 500}. Anything else is rejected
 * rather than silently matching everything.
 */
final class TraceFilter {
  private static final Pattern SERVICE = Pattern.compile("service\\(\\s*\"([^\"]*)\"\\s*\\)");
  private static final Pattern STATUS = Pattern.compile("http\\.status\\s*=\\s*(\\d{3})");

  private TraceFilter() {}

  /** Parses the expression; throws IllegalArgumentException for unsupported syntax. */
  static Predicate<List<JsonNode>> parse(String expression) {
    if (expression == null || expression.isBlank()) {
      return segments -> true;
    }
    List<Predicate<List<JsonNode>>> terms = new ArrayList<>();
    for (String raw : expression.split("(?i)\\s+AND\\s+")) {
      String term = raw.strip();
      Matcher service = SERVICE.matcher(term);
      Matcher status = STATUS.matcher(term);
      if (service.matches()) {
        String name = service.group(1);
        terms.add(segments -> segments.stream().anyMatch(s -> s.path("name").asText().equals(name)));
      } else if (status.matches()) {
        int code = Integer.parseInt(status.group(1));
        terms.add(segments -> segments.stream()
            .anyMatch(s -> s.path("http").path("response").path("status").asInt(-1) == code));
      } else {
        switch (term) {
          case "fault" -> terms.add(segments -> any(segments, "fault"));
          case "error" -> terms.add(segments -> any(segments, "error"));
          case "throttle" -> terms.add(segments -> any(segments, "throttle"));
          case "ok" -> terms.add(segments -> !any(segments, "fault") && !any(segments, "error")
              && !any(segments, "throttle"));
          default -> throw new IllegalArgumentException("Unsupported filter expression term: " + term
              + " (the stand-in supports service(\"name\"), fault, error, throttle, ok, http.status = N, joined"
              + " with AND)");
        }
      }
    }
    return segments -> terms.stream().allMatch(t -> t.test(segments));
  }

  static boolean any(List<JsonNode> segments, String flag) {
    return segments.stream().anyMatch(s -> s.path(flag).asBoolean(false));
  }
}
