package com.example.standins.xray;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The sampling rules X-Ray serves (GetSamplingRules) and the per-rule targets it hands out (GetSamplingTargets).
 * They start as the project's rules file (deploy/xray-sampling-rules.json, the rules the stack deploys) or X-Ray's
 * built-in default; replaced at runtime through PUT /admin/sampling-rules; every change moves LastRuleModification
 * forward, which is what makes X-Ray remote samplers re-fetch the rules. Reset goes back to the start rules.
 */
public final class SamplingRules {
  /** Seconds between target refreshes the samplers are told to use. */
  static final int INTERVAL_SECONDS = 10;
  /** Clients that reported statistics within this window share a rule's reservoir. */
  private static final long ACTIVE_CLIENT_WINDOW_MILLIS = 30_000;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final List<ObjectNode> initial;
  private volatile List<ObjectNode> rules;
  private volatile double lastModified;
  private final Map<String, Map<String, Long>> clientsByRule = new ConcurrentHashMap<>();

  private SamplingRules(Clock clock, List<ObjectNode> initial) {
    this.clock = clock;
    this.initial = initial;
    this.rules = initial;
    this.lastModified = seconds();
  }

  /** Starts with X-Ray's built-in default rule only. */
  public static SamplingRules create(Clock clock) {
    return new SamplingRules(clock, List.of(defaultRule(0.05, 1)));
  }

  /** Starts with {@code rules} (any shape {@link #replace} accepts); IllegalArgumentException when invalid. */
  public static SamplingRules create(Clock clock, JsonNode rules) {
    return new SamplingRules(clock, parse(rules));
  }

  /** X-Ray's built-in default: 1 request per second plus 5% of the rest. */
  static ObjectNode defaultRule(double fixedRate, int reservoirSize) {
    ObjectNode rule = JSON.createObjectNode();
    rule.put("RuleName", "Default");
    rule.put("RuleARN", "arn:aws:xray:us-west-2:000000000000:sampling-rule/Default");
    rule.put("ResourceARN", "*");
    rule.put("Priority", 10000);
    rule.put("FixedRate", fixedRate);
    rule.put("ReservoirSize", reservoirSize);
    rule.put("ServiceName", "*");
    rule.put("ServiceType", "*");
    rule.put("Host", "*");
    rule.put("HTTPMethod", "*");
    rule.put("URLPath", "*");
    rule.put("Version", 1);
    rule.putObject("Attributes");
    return rule;
  }

  /**
   * Replaces the rules. Accepts a JSON array of SamplingRule objects, {"SamplingRules":[...]} or a
   * GetSamplingRules-shaped {"SamplingRuleRecords":[{"SamplingRule":{...}}]}. A "Default" rule is added if missing,
   * since X-Ray always has one.
   */
  public void replace(JsonNode body) {
    rules = parse(body);
    clientsByRule.clear();
    lastModified = Math.max(seconds(), lastModified + 0.001);
  }

  private static List<ObjectNode> parse(JsonNode body) {
    JsonNode list = body.isArray() ? body : body.has("SamplingRules") ? body.get("SamplingRules")
        : body.path("SamplingRuleRecords");
    if (!list.isArray()) {
      throw new IllegalArgumentException("expected an array of SamplingRule objects");
    }
    List<ObjectNode> parsed = new ArrayList<>();
    boolean hasDefault = false;
    for (JsonNode item : list) {
      JsonNode rule = item.has("SamplingRule") ? item.get("SamplingRule") : item;
      parsed.add(normalize(rule));
      hasDefault |= rule.path("RuleName").asText().equals("Default");
    }
    if (!hasDefault) {
      parsed.add(defaultRule(0.05, 1));
    }
    parsed.sort((a, b) -> Integer.compare(a.path("Priority").asInt(), b.path("Priority").asInt()));
    return List.copyOf(parsed);
  }

  private static ObjectNode normalize(JsonNode rule) {
    String name = rule.path("RuleName").asText("");
    if (!name.matches("[A-Za-z0-9_-]{1,32}")) {
      throw new IllegalArgumentException("RuleName must be 1-32 characters [A-Za-z0-9_-], got '" + name + "'");
    }
    double fixedRate = rule.path("FixedRate").asDouble(-1);
    if (!rule.path("FixedRate").isNumber() || fixedRate < 0 || fixedRate > 1) {
      throw new IllegalArgumentException(name + ": FixedRate must be a number within 0..1");
    }
    if (!rule.path("ReservoirSize").canConvertToInt() || rule.path("ReservoirSize").asInt() < 0) {
      throw new IllegalArgumentException(name + ": ReservoirSize must be a non-negative integer");
    }
    ObjectNode out = name.equals("Default")
        ? defaultRule(fixedRate, rule.path("ReservoirSize").asInt())
        : defaultRule(fixedRate, rule.path("ReservoirSize").asInt()).put("RuleName", name)
            .put("RuleARN", "arn:aws:xray:us-west-2:000000000000:sampling-rule/" + name)
            .put("Priority", rule.path("Priority").asInt(1000));
    for (String field : List.of("ResourceARN", "ServiceName", "ServiceType", "Host", "HTTPMethod", "URLPath")) {
      if (rule.path(field).isTextual()) {
        out.put(field, rule.path(field).asText());
      }
    }
    if (rule.path("Attributes").isObject()) {
      out.set("Attributes", rule.get("Attributes"));
    }
    return out;
  }

  /** The GetSamplingRules response body. */
  public ObjectNode rulesResponse() {
    ObjectNode response = JSON.createObjectNode();
    ArrayNode records = response.putArray("SamplingRuleRecords");
    for (ObjectNode rule : rules) {
      ObjectNode record = records.addObject();
      record.set("SamplingRule", rule);
      record.put("CreatedAt", lastModified);
      record.put("ModifiedAt", lastModified);
    }
    return response;
  }

  /** The GetSamplingTargets response for the reported statistics: per-rule targets consistent with the rules. */
  public ObjectNode targetsResponse(JsonNode statistics) {
    long nowMillis = clock.millis();
    Map<String, ObjectNode> byName = new HashMap<>();
    rules.forEach(r -> byName.put(r.path("RuleName").asText(), r));
    ObjectNode response = JSON.createObjectNode();
    ArrayNode targets = response.putArray("SamplingTargetDocuments");
    ArrayNode unprocessed = response.putArray("UnprocessedStatistics");
    Map<String, Boolean> seen = new LinkedHashMap<>();
    for (JsonNode doc : statistics) {
      String ruleName = doc.path("RuleName").asText("");
      String clientId = doc.path("ClientID").asText("");
      if (!byName.containsKey(ruleName)) {
        unprocessed.addObject().put("RuleName", ruleName).put("ErrorCode", "400")
            .put("Message", "Unknown sampling rule '" + ruleName + "'");
        continue;
      }
      clientsByRule.computeIfAbsent(ruleName, k -> new ConcurrentHashMap<>()).put(clientId, nowMillis);
      seen.put(ruleName, true);
    }
    for (String ruleName : seen.keySet()) {
      ObjectNode rule = byName.get(ruleName);
      Map<String, Long> clients = clientsByRule.get(ruleName);
      clients.values().removeIf(t -> nowMillis - t > ACTIVE_CLIENT_WINDOW_MILLIS);
      int active = Math.max(1, clients.size());
      int reservoir = rule.path("ReservoirSize").asInt();
      // Like X-Ray, the reservoir (requests per second) is shared between the clients currently using the rule.
      int quota = reservoir == 0 ? 0 : Math.max(1, (int) Math.ceil((double) reservoir / active));
      targets.addObject()
          .put("RuleName", ruleName)
          .put("FixedRate", rule.path("FixedRate").asDouble())
          .put("ReservoirQuota", quota)
          .put("ReservoirQuotaTTL", (nowMillis / 1000.0) + INTERVAL_SECONDS)
          .put("Interval", INTERVAL_SECONDS);
    }
    response.put("LastRuleModification", lastModified);
    return response;
  }

  public List<ObjectNode> rules() {
    return rules;
  }

  public void reset() {
    rules = initial;
    clientsByRule.clear();
    lastModified = Math.max(seconds(), lastModified + 0.001);
  }

  private double seconds() {
    return clock.millis() / 1000.0;
  }
}
