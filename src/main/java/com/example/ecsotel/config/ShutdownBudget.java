package com.example.ecsotel.config;

import java.time.Duration;
import java.util.Objects;

/**
 * One budget for the SIGTERM path, so the whole stop fits the container's ECS {@code stopTimeout} (after it,
 * ECS sends SIGKILL and whatever was not flushed is lost): drain in-flight requests for {@code grace}, wait
 * {@link #EXECUTOR_WAIT} for handler threads, flush telemetry with what is left (at most {@link #MAX_FLUSH},
 * at least {@link #MIN_FLUSH}), and keep {@link #MARGIN} for the JVM's own exit. A grace that leaves less
 * than that is a configuration error naming SHUTDOWN_GRACE_SECONDS.
 */
public record ShutdownBudget(Duration stopTimeout, Duration grace, Duration executorWait, Duration telemetryFlush) {
  /** The app container's stopTimeout in task-definition.json (a test compares them). */
  public static final int DEFAULT_STOP_TIMEOUT_SECONDS = 15;
  /** JVM exit, shutdown-hook start, the last log lines; SIGKILL must never race the flush. */
  public static final Duration MARGIN = Duration.ofSeconds(2);
  /**
   * The access log's last lines, written after the flush and taken from {@link #MARGIN}: with stdout blocked
   * (awslogs in blocking mode, CloudWatch throttled) they are given up after this, the exit is not.
   */
  public static final Duration ACCESS_LOG_CLOSE = Duration.ofMillis(500);
  static final Duration EXECUTOR_WAIT = Duration.ofSeconds(1);
  static final Duration MAX_FLUSH = Duration.ofSeconds(5);
  /** Enough for one OTLP export round trip to a live sidecar; with the sidecar gone, nothing helps. */
  static final Duration MIN_FLUSH = Duration.ofSeconds(2);
  /** The smallest stopTimeout that holds the margin, the executor wait and the minimum flush with no drain. */
  public static final int MIN_STOP_TIMEOUT_SECONDS = (int) MARGIN.plus(EXECUTOR_WAIT).plus(MIN_FLUSH).toSeconds();

  public ShutdownBudget {
    Objects.requireNonNull(stopTimeout, "stopTimeout");
    Objects.requireNonNull(grace, "grace");
    Objects.requireNonNull(executorWait, "executorWait");
    Objects.requireNonNull(telemetryFlush, "telemetryFlush");
  }

  /** The budget for a drain of {@code graceSeconds} inside {@code stopTimeoutSeconds}, or a ConfigException. */
  static ShutdownBudget of(int stopTimeoutSeconds, int graceSeconds) {
    if (stopTimeoutSeconds < MIN_STOP_TIMEOUT_SECONDS) {
      // Even a zero grace cannot fit: the variable to change is the stop timeout, not the grace.
      throw new ConfigException("STOP_TIMEOUT_SECONDS", "must be at least " + MIN_STOP_TIMEOUT_SECONDS + ": "
          + EXECUTOR_WAIT.toSeconds() + " s executor wait + " + MIN_FLUSH.toSeconds() + " s telemetry flush + "
          + MARGIN.toSeconds() + " s margin", Integer.toString(stopTimeoutSeconds));
    }
    Duration stopTimeout = Duration.ofSeconds(stopTimeoutSeconds);
    Duration grace = Duration.ofSeconds(graceSeconds);
    Duration left = stopTimeout.minus(MARGIN).minus(grace).minus(EXECUTOR_WAIT);
    if (left.compareTo(MIN_FLUSH) < 0) {
      long max = stopTimeout.minus(MARGIN).minus(EXECUTOR_WAIT).minus(MIN_FLUSH).toSeconds();
      throw new ConfigException("SHUTDOWN_GRACE_SECONDS",
          "must be at most " + max + ": drain + " + EXECUTOR_WAIT.toSeconds() + " s executor wait + "
              + MIN_FLUSH.toSeconds() + " s telemetry flush + " + MARGIN.toSeconds() + " s margin must fit the "
              + stopTimeoutSeconds + " s stopTimeout (STOP_TIMEOUT_SECONDS, the container's stopTimeout in the task"
              + " definition)", Integer.toString(graceSeconds));
    }
    Duration flush = left.compareTo(MAX_FLUSH) > 0 ? MAX_FLUSH : left;
    return new ShutdownBudget(stopTimeout, grace, EXECUTOR_WAIT, flush);
  }

  /** Everything the stop may take before the JVM exits; at most stopTimeout minus the margin. */
  public Duration total() {
    return grace.plus(executorWait).plus(telemetryFlush);
  }
}
