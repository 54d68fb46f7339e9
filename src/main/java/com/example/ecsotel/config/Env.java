package com.example.ecsotel.config;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Typed, fail-fast reads of environment variables. Every error names the variable so a bad task
 * definition is obvious from the first log line instead of surfacing later as odd behaviour.
 */
public final class Env {
  private final Map<String, String> vars;

  private Env(Map<String, String> vars) {
    this.vars = Map.copyOf(vars);
  }

  public static Env of(Map<String, String> vars) {
    return new Env(Objects.requireNonNull(vars, "vars"));
  }

  /** The raw value, or empty when unset or blank (ECS task definitions often carry empty values). */
  public Optional<String> get(String name) {
    String value = vars.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String string(String name, String defaultValue) {
    return get(name).orElse(defaultValue);
  }

  public int integer(String name, int defaultValue, int min, int max) {
    Optional<String> raw = get(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw.get());
      if (value < min || value > max) {
        throw new ConfigException(name, "must be between " + min + " and " + max, raw.get());
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be an integer", raw.get());
    }
  }

  public double fraction(String name, double defaultValue) {
    Optional<String> raw = get(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    try {
      double value = Double.parseDouble(raw.get());
      if (!(value >= 0.0 && value <= 1.0)) {
        throw new ConfigException(name, "must be a number between 0 and 1", raw.get());
      }
      return value;
    } catch (NumberFormatException e) {
      throw new ConfigException(name, "must be a number between 0 and 1", raw.get());
    }
  }

  public Duration millis(String name, long defaultMillis, long maxMillis) {
    return Duration.ofMillis(integer(name, (int) defaultMillis, 0, (int) maxMillis));
  }

  public Duration seconds(String name, long defaultSeconds, long minSeconds, long maxSeconds) {
    return Duration.ofSeconds(integer(name, (int) defaultSeconds, (int) minSeconds, (int) maxSeconds));
  }

  public boolean bool(String name, boolean defaultValue) {
    Optional<String> raw = get(name);
    if (raw.isEmpty()) {
      return defaultValue;
    }
    return switch (raw.get().toLowerCase(java.util.Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ConfigException(name, "must be true or false", raw.get());
    };
  }

  /** An absolute http(s) URL without query or fragment. */
  public URI httpUrl(String name, String defaultValue) {
    return parseHttpUrl(name, string(name, defaultValue));
  }

  public Optional<URI> optionalHttpUrl(String name) {
    return get(name).map(value -> parseHttpUrl(name, value));
  }

  /** Comma-separated http(s) base URLs; empty list when unset. */
  public List<URI> httpUrlList(String name) {
    List<URI> result = new ArrayList<>();
    for (String part : string(name, "").split(",")) {
      if (!part.isBlank()) {
        result.add(parseHttpUrl(name, part.trim()));
      }
    }
    return List.copyOf(result);
  }

  private static URI parseHttpUrl(String name, String value) {
    try {
      URI uri = URI.create(value);
      boolean http = "http".equalsIgnoreCase(uri.getScheme()) || "https".equalsIgnoreCase(uri.getScheme());
      if (!http || uri.getHost() == null || uri.getRawQuery() != null || uri.getRawFragment() != null) {
        throw new ConfigException(name, "must be an absolute http(s) URL without query", value);
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new ConfigException(name, "must be an absolute http(s) URL without query", value);
    }
  }
}
