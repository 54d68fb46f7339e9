package com.example.ecsotel.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Matches a path against route templates such as {@code /orders/{id}}. The template, not the path,
 * names spans and labels metrics, which keeps their cardinality bounded. Templates are split once, when
 * added; a path is compared in place, so a matched route without parameters allocates nothing per request
 * (its {@link Match} is built once) and one with a parameter only its value (in a one-slot array), a {@code
 * Map.of} and the match.
 */
public final class Router {
  private static final Match NO_MATCH = new Match(null, null, Map.of(), Set.of());
  private static final String[] NO_VALUES = {};

  private final List<Compiled> routes = new ArrayList<>();

  /** A registered route; {@code traced=false} skips spans and request metrics (health probes). */
  public record Route(String method, String template, Handler handler, boolean traced) {
    public Route {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(template, "template");
      Objects.requireNonNull(handler, "handler");
    }
  }

  /** Outcome of matching: a route (maybe with the wrong method) or nothing. */
  public record Match(
      Route route, String template, Map<String, String> params, Set<String> allowedMethods) {
    public boolean found() {
      return route != null;
    }
  }

  /** A route with its template's segments; {@code names[i]} is the parameter name, or null for a literal. */
  private record Compiled(Route route, String[] segments, String[] names, String[] params, Match exact) {
    static Compiled of(Route route) {
      String[] segments = split(route.template());
      String[] names = new String[segments.length];
      List<String> params = new ArrayList<>();
      for (int i = 0; i < segments.length; i++) {
        String s = segments[i];
        names[i] = s.startsWith("{") && s.endsWith("}") ? s.substring(1, s.length() - 1) : null;
        if (names[i] != null) {
          params.add(names[i]);
        }
      }
      return new Compiled(route, segments, names, params.toArray(NO_VALUES),
          new Match(route, route.template(), Map.of(), Set.of(route.method())));
    }

    /** The parameter values of {@code path} (trimmed to {@code end}), {@link #NO_VALUES} if none, null if no match. */
    String[] bind(String path, int end) {
      if (end == 1 && path.charAt(0) == '/') {
        return segments.length == 0 ? NO_VALUES : null;
      }
      if (segments.length == 0 || end == 0) {
        return null;
      }
      String[] values = null;
      int found = 0;
      int pos = 1; // segments start after the first character, as "/a/b".substring(1).split("/") does
      for (int i = 0; i < segments.length; i++) {
        if (pos > end) {
          return null; // the path has fewer segments
        }
        int slash = path.indexOf('/', pos);
        int segmentEnd = slash < 0 || slash > end ? end : slash;
        if (names[i] != null) {
          if (segmentEnd == pos) {
            return null; // an empty parameter never matches
          }
          values = values == null ? new String[params.length] : values; // one slot per parameter
          values[found++] = path.substring(pos, segmentEnd);
        } else if (segmentEnd - pos != segments[i].length() || !path.startsWith(segments[i], pos)) {
          return null;
        }
        pos = segmentEnd + 1;
      }
      return pos != end + 1 ? null : values == null ? NO_VALUES : values; // more segments: no match
    }

    Match matched(String[] values) {
      if (values.length == 0) {
        return exact;
      }
      if (values.length == 1) { // the common case (/orders/{id}): no map beyond Map.of's
        return new Match(route, route.template(), Map.of(params[0], values[0]), exact.allowedMethods());
      }
      Map<String, String> bound = new LinkedHashMap<>();
      for (int i = 0; i < params.length; i++) {
        bound.put(params[i], values[i]);
      }
      return new Match(route, route.template(), Collections.unmodifiableMap(bound), exact.allowedMethods());
    }
  }

  public Router get(String template, Handler handler) {
    return add(new Route("GET", template, handler, true));
  }

  public Router add(Route route) {
    if (!route.template().startsWith("/")) {
      throw new IllegalArgumentException("template must start with /: " + route.template());
    }
    routes.add(Compiled.of(route));
    return this;
  }

  public Match match(String method, String path) {
    // One trailing slash is ignored: /orders/42/ is /orders/42.
    int end = path.length() > 1 && path.endsWith("/") ? path.length() - 1 : path.length();
    Set<String> allowed = null;
    Route pathOnly = null;
    for (Compiled compiled : routes) {
      String[] values = compiled.bind(path, end);
      if (values == null) {
        continue;
      }
      if (compiled.route().method().equals(method)) {
        return compiled.matched(values);
      }
      allowed = allowed == null ? new TreeSet<>() : allowed;
      allowed.add(compiled.route().method());
      pathOnly = pathOnly == null ? compiled.route() : pathOnly;
    }
    if (pathOnly != null) {
      // Known path, wrong method: keep the template so the 405 span and metrics are still bounded.
      return new Match(null, pathOnly.template(), Map.of(), allowed);
    }
    return NO_MATCH;
  }

  private static String[] split(String template) {
    String trimmed = template.length() > 1 && template.endsWith("/")
        ? template.substring(0, template.length() - 1) : template;
    return trimmed.equals("/") ? new String[0] : trimmed.substring(1).split("/", -1);
  }
}
