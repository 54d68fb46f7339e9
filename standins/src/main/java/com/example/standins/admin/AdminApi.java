package com.example.standins.admin;

import static java.util.Objects.requireNonNull;

import com.example.standins.Reply;
import com.example.standins.Request;
import com.example.standins.Standin;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The unauthenticated test-control API under /admin on every stand-in port. The server only routes loopback callers
 * here, and the stand-ins bind to loopback by default.
 */
public final class AdminApi {
  private final Standin standin;
  private final StandinStats stats;
  private final FaultInjector faults;

  private AdminApi(Standin standin, StandinStats stats, FaultInjector faults) {
    this.standin = standin;
    this.stats = stats;
    this.faults = faults;
  }

  public static AdminApi create(Standin standin, StandinStats stats, FaultInjector faults) {
    return new AdminApi(
        requireNonNull(standin, "standin"), requireNonNull(stats, "stats"), requireNonNull(faults, "faults"));
  }

  public Reply handle(Request request) {
    String route = request.method() + " " + request.rawPath();
    return switch (route) {
      case "GET /admin/stats" -> {
        Map<String, Object> body = new LinkedHashMap<>(stats.snapshot());
        body.putAll(standin.adminStats());
        body.put("standin", standin.name());
        body.put("fault", faults.describe());
        yield Reply.json(200, body);
      }
      case "GET /admin/segments" -> Reply.json(200, standin.storedSegments());
      case "PUT /admin/sampling-rules" -> standin.putSamplingRules(request.body());
      case "POST /admin/fault" -> setFault(request);
      case "POST /admin/reset" -> {
        stats.reset();
        faults.set(FaultInjector.Mode.OK, 0);
        standin.reset();
        yield Reply.json(200, Map.of("reset", true));
      }
      default -> Reply.awsJsonError(404, "NotFound", "no admin route " + route, "admin.not_found");
    };
  }

  private Reply setFault(Request request) {
    try {
      JsonNode body = Reply.JSON.readTree(request.body());
      if (body == null || !body.isObject()) {
        throw new IllegalArgumentException("body must be a JSON object like {\"mode\":\"503\"}");
      }
      FaultInjector.Mode mode = FaultInjector.parseMode(body.path("mode").asText(null));
      faults.set(mode, body.path("slowMillis").asLong(mode == FaultInjector.Mode.SLOW ? 2000 : 0));
      return Reply.json(200, Map.of("mode", faults.describe(), "slowMillis", faults.slowMillis()));
    } catch (IOException | IllegalArgumentException e) {
      return Reply.awsJsonError(400, "ValidationException", e.getMessage(), "admin.bad_request");
    }
  }
}
