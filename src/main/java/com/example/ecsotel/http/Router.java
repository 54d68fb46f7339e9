package com.example.ecsotel.http;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Matches a path against route templates such as {@code /orders/{id}}. The template, not the path,
 * names spans and labels metrics, which keeps their cardinality bounded.
 */
public final class Router {
  private final List<Route> routes = new ArrayList<>();

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

  public Router get(String template, Handler handler) {
    return add(new Route("GET", template, handler, true));
  }

  public Router add(Route route) {
    if (!route.template().startsWith("/")) {
      throw new IllegalArgumentException("template must start with /: " + route.template());
    }
    routes.add(route);
    return this;
  }

  public Match match(String method, String path) {
    String[] segments = split(path);
    Set<String> allowed = new TreeSet<>();
    Route pathOnly = null;
    for (Route route : routes) {
      Map<String, String> params = bind(split(route.template()), segments);
      if (params == null) {
        continue;
      }
      if (route.method().equals(method)) {
        return new Match(route, route.template(), params, Set.of(route.method()));
      }
      allowed.add(route.method());
      pathOnly = pathOnly == null ? route : pathOnly;
    }
    if (pathOnly != null) {
      // Known path, wrong method: keep the template so the 405 span and metrics are still bounded.
      return new Match(null, pathOnly.template(), Map.of(), allowed);
    }
    return new Match(null, null, Map.of(), Set.of());
  }

  private static Map<String, String> bind(String[] template, String[] path) {
    if (template.length != path.length) {
      return null;
    }
    Map<String, String> params = new LinkedHashMap<>();
    for (int i = 0; i < template.length; i++) {
      String t = template[i];
      if (t.startsWith("{") && t.endsWith("}")) {
        if (path[i].isEmpty()) {
          return null;
        }
        params.put(t.substring(1, t.length() - 1), path[i]);
      } else if (!t.equals(path[i])) {
        return null;
      }
    }
    return params;
  }

  private static String[] split(String path) {
    String trimmed = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    return trimmed.equals("/") ? new String[0] : trimmed.substring(1).split("/", -1);
  }
}
