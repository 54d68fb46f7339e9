package com.example.ecsotel.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The router that compares paths in place (issue 20, item 4) answers exactly as the one before it, which split
 * every template and path per request: same template, parameters and allowed methods for the app's routes and
 * for thousands of generated paths (empty segments, trailing and doubled slashes, prefixes, wrong methods).
 */
class RouterEquivalenceTest {
  private static final List<String[]> ROUTES = List.of(
      new String[] {"GET", "/"}, new String[] {"GET", "/health"}, new String[] {"GET", "/outgoing-http-call"},
      new String[] {"GET", "/aws-sdk-call"}, new String[] {"GET", "/outgoing-sampleapp"},
      new String[] {"GET", "/orders/{id}"}, new String[] {"POST", "/orders/{id}"},
      new String[] {"GET", "/orders/{id}/items/{item}"}, new String[] {"DELETE", "/a/{x}/b"},
      // A parameter at the root, a name used twice (the last value wins) and a template with a trailing slash.
      new String[] {"PUT", "/{x}"}, new String[] {"GET", "/d/{x}/{x}"}, new String[] {"GET", "/t/{id}/"});

  @Test
  void matchesExactlyAsTheSplittingRouterDid() {
    Router router = new Router();
    ROUTES.forEach(r -> router.add(new Router.Route(r[0], r[1], req -> Response.ok(Map.of()), true)));
    List<String> paths = new ArrayList<>(List.of("/", "//", "///", "/health", "/health/", "/health//", "/orders",
        "/orders/", "/orders/42", "/orders/42/", "/orders//", "/orders/42/items/7", "/orders/42/items/",
        "/orders//items/1", "/a/1/b", "/a//b", "/a/1/b/", "/a/1/bb", "x", "/x/", "/orders/42/items/7/8",
        "/d/1/2", "/d/1/2/", "/d//2", "/t/9", "/t/9/", "/t/"));
    Random random = new Random(20);
    String[] parts = {"", "orders", "items", "42", "health", "a", "b", "{id}", "%2F", "x", "d", "t"};
    for (int i = 0; i < 20_000; i++) {
      StringBuilder path = new StringBuilder();
      int n = random.nextInt(6);
      for (int j = 0; j < n; j++) {
        path.append('/').append(parts[random.nextInt(parts.length)]);
      }
      if (random.nextInt(4) == 0) {
        path.append('/');
      }
      paths.add(path.isEmpty() ? "/" : path.toString());
    }
    for (String path : paths) {
      for (String method : List.of("GET", "POST", "DELETE", "PUT")) {
        Router.Match now = router.match(method, path);
        Before before = Before.match(method, path);
        assertThat(now.template()).as("%s %s", method, path).isEqualTo(before.template);
        assertThat(now.found()).as("%s %s", method, path).isEqualTo(before.found);
        assertThat(now.params()).as("%s %s", method, path).isEqualTo(before.params);
        assertThat(now.allowedMethods()).as("%s %s", method, path).containsExactlyElementsOf(before.allowed);
      }
    }
  }

  @Test
  void aMatchedRouteWithoutParametersIsTheSameMatchEveryTime() {
    Router router = new Router().get("/", r -> Response.ok(Map.of()));
    assertThat(router.match("GET", "/")).isSameAs(router.match("GET", "/"));
  }

  /** Router.match as of 89f1410 (split per request), kept as the reference. */
  private record Before(String template, boolean found, Map<String, String> params, Set<String> allowed) {
    static Before match(String method, String path) {
      String[] segments = split(path);
      Set<String> allowed = new TreeSet<>();
      String pathOnly = null;
      for (String[] route : ROUTES) {
        Map<String, String> params = bind(split(route[1]), segments);
        if (params == null) {
          continue;
        }
        if (route[0].equals(method)) {
          return new Before(route[1], true, params, Set.of(route[0]));
        }
        allowed.add(route[0]);
        pathOnly = pathOnly == null ? route[1] : pathOnly;
      }
      return pathOnly != null ? new Before(pathOnly, false, Map.of(), allowed) : new Before(null, false, Map.of(), Set.of());
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
}
