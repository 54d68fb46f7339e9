package com.example.standins.admin;

import java.util.Locale;

/**
 * Failure mode of one stand-in, switched at runtime through POST /admin/fault so reliability tests can simulate
 * outages (503), throttling (429) and slow backends without restarting anything.
 */
public final class FaultInjector {
  /** Upper bound for "slow": tests must stay bounded in time. */
  public static final long MAX_SLOW_MILLIS = 60_000;

  public enum Mode {
    OK,
    UNAVAILABLE_503,
    THROTTLED_429,
    SLOW
  }

  private volatile Mode mode = Mode.OK;
  private volatile long slowMillis;

  private FaultInjector() {}

  public static FaultInjector create() {
    return new FaultInjector();
  }

  /** Parses "ok", "503", "429" or "slow"; throws IllegalArgumentException for anything else. */
  public static Mode parseMode(String text) {
    return switch (text == null ? "" : text.toLowerCase(Locale.ROOT)) {
      case "ok" -> Mode.OK;
      case "503" -> Mode.UNAVAILABLE_503;
      case "429" -> Mode.THROTTLED_429;
      case "slow" -> Mode.SLOW;
      default -> throw new IllegalArgumentException("mode must be one of ok, 503, 429, slow; got '" + text + "'");
    };
  }

  public void set(Mode newMode, long newSlowMillis) {
    if (newSlowMillis < 0 || newSlowMillis > MAX_SLOW_MILLIS) {
      throw new IllegalArgumentException("slowMillis must be within 0.." + MAX_SLOW_MILLIS);
    }
    this.slowMillis = newSlowMillis;
    this.mode = newMode;
  }

  public Mode mode() {
    return mode;
  }

  public long slowMillis() {
    return slowMillis;
  }

  public String describe() {
    return switch (mode) {
      case OK -> "ok";
      case UNAVAILABLE_503 -> "503";
      case THROTTLED_429 -> "429";
      case SLOW -> "slow";
    };
  }
}
